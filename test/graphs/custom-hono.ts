// Shape: a Hono app as the manifest's http.app: routes of its own (one replacing a service route),
// middleware around every request (the service's routes included) that can answer first, add
// headers and change a run's body, a LangGraph client that calls the service in-process as the
// caller, a streamed answer, errors, and a receiver for webhooks.
import { Client } from "@langchain/langgraph-sdk";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { streamText } from "hono/streaming";

const hooks: unknown[] = [];

export const app = new Hono()
  .use(async (c, next) => {
    if (c.req.header("x-answer-here") != null) return c.json({ answered: "by the custom app", path: c.req.path });
    await next();
    c.header("x-custom-app", "seen");
  })
  .use("/threads/:id/runs/*", async (c, next) => {
    if (c.req.method === "POST" && c.req.header("content-type")?.startsWith("application/json")) {
      const body = await c.req.json();
      body.config = { ...body.config, configurable: { ...body.config?.configurable, from_custom_app: "hono" } };
      c.req.raw = new Request(c.req.raw, { body: JSON.stringify(body) });
    }
    await next();
  })
  .get("/custom/hello", (c) => c.json({ hello: c.req.header("x-name") ?? "world" }))
  .get("/custom/thread", async (c) => c.json(await new Client().threads.create({ metadata: { made_by: "a custom route" } })))
  .get("/custom/stream", (c) =>
    streamText(c, async (stream) => {
      for (const n of [1, 2, 3]) {
        await stream.writeln(`line ${n}`);
        await stream.sleep(5);
      }
    }),
  )
  .get("/custom/teapot", () => {
    throw new HTTPException(418, { message: "I am a teapot" });
  })
  .get("/custom/crash", () => {
    throw new Error("a bug in a custom route");
  })
  .post("/custom/hooks", async (c) => {
    hooks.push(await c.req.json());
    return c.json({ received: true });
  })
  .get("/custom/hooks", (c) => c.json(hooks))
  // One of the service's routes, answered by the app instead.
  .get("/ok", (c) => c.json({ ok: "from the custom app" }));
