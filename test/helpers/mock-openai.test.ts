import { afterEach, describe, expect, it } from "vitest";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { AIMessage, AIMessageChunk, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { wordHashEmbedding } from "../../graphs/lib/openai-wire.js";
import { startMockOpenAI, type MockOpenAI, type MockScript } from "./mock-openai.js";

let mock: MockOpenAI | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function setup(script?: MockScript) {
  mock = await startMockOpenAI(script);
  const model = new ChatOpenAI({ model: "mock-model", apiKey: "x", configuration: { baseURL: mock.baseURL }, streamUsage: true, maxRetries: 0 });
  return { mock, model };
}

async function collect(stream: AsyncIterable<AIMessageChunk>) {
  const chunks: AIMessageChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return { chunks, final: chunks.reduce((a, b) => a.concat(b)) };
}

const search = tool(async () => "", { name: "search", description: "Search", schema: z.object({ q: z.string(), limit: z.number() }) });

describe("mock OpenAI", () => {
  it("answers with the default reply and records the request", async () => {
    const { mock, model } = await setup();
    const reply = await model.invoke([new HumanMessage("ping")]);
    expect(reply.content).toBe("mock reply");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0].messages).toEqual([{ role: "user", content: "ping" }]);
    expect(mock.requests[0].index).toBe(0);
    expect(mock.requests[0].headers.authorization).toBe("Bearer x");
    expect(mock.requests[0].body.stream).toBe(false);
  });

  it("plays an array script in order, repeating the last, and records every turn", async () => {
    const { mock, model } = await setup([{ text: "one" }, { tokens: ["t", "w", "o"] }]);
    const texts: string[] = [];
    const history: BaseMessage[] = [new HumanMessage("a")];
    for (let i = 0; i < 3; i++) {
      const { final } = await collect(await model.stream(history));
      texts.push(String(final.content));
      history.push(new AIMessage(String(final.content)), new HumanMessage(`turn ${i + 2}`));
    }
    expect(texts).toEqual(["one", "two", "two"]);
    expect(mock.requests.map((r) => r.messages.length)).toEqual([1, 3, 5]);
    expect(mock.requests[2].messages[1]).toEqual({ role: "assistant", content: "one" });
    expect(mock.requests[0].body.stream).toBe(true);
  });

  it("streams exact tokens with given usage, and switches script at runtime", async () => {
    const { mock, model } = await setup({ tokens: ["Hel", "lo", "!"], usage: { prompt_tokens: 7, completion_tokens: 3 } });
    const { chunks, final } = await collect(await model.stream([new HumanMessage("hi")]));
    expect(chunks.map((c) => c.content).filter(Boolean)).toEqual(["Hel", "lo", "!"]);
    expect(final.usage_metadata).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
    mock.script((req) => ({ text: `request ${req.index}` }));
    expect((await model.invoke([new HumanMessage("x")])).content).toBe("request 1");
  });

  it("streams tool calls that the client parses", async () => {
    const { mock, model } = await setup({ toolCalls: [{ name: "search", args: { q: "a long query string here", limit: 5 } }] });
    const { final } = await collect(await model.bindTools([search]).stream([new HumanMessage("find")]));
    expect(final.tool_calls).toEqual([expect.objectContaining({ id: "call_mock_0_0", name: "search", args: { q: "a long query string here", limit: 5 } })]);
    expect(mock.requests[0].tools.map((t) => t.function.name)).toEqual(["search"]);
  });

  it("surfaces an httpStatus as a thrown error", async () => {
    const { model } = await setup({ httpStatus: 429 });
    await expect(model.invoke([new HumanMessage("x")])).rejects.toMatchObject({ status: 429 });
  });

  it("makes the stream throw when failAfterTokens drops the socket", async () => {
    const { model } = await setup({ text: "a b c d e", failAfterTokens: 2 });
    const seen: string[] = [];
    const consume = async () => {
      for await (const c of await model.stream([new HumanMessage("x")])) if (c.content) seen.push(String(c.content));
    };
    await expect(consume()).rejects.toThrow();
    expect(seen).toEqual(["a ", "b "]);
  });

  it("stalls after stallAfterTokens until the client aborts", async () => {
    const { model } = await setup({ text: "a b c", stallAfterTokens: 1 });
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = async () => {
      for await (const c of await model.stream([new HumanMessage("x")], { signal: controller.signal })) {
        if (c.content) seen.push(String(c.content));
      }
    };
    const done = consume();
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(["a "]);
    controller.abort();
    await expect(done).rejects.toThrow();
  });

  it("close() returns even with a stalled connection open", async () => {
    const { mock } = await setup({ text: "a b", stallAfterTokens: 1 });
    const res = await fetch(`${mock.baseURL}/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: \{.*"role":"assistant"/);
    const started = Date.now();
    await mock.close();
    expect(Date.now() - started).toBeLessThan(1000);
    const drain = async () => { while (!(await reader.read()).done); };
    await expect(drain()).rejects.toThrow();
  });

  it("answers bad JSON with an OpenAI-style 400", async () => {
    const { mock } = await setup();
    const res = await fetch(`${mock.baseURL}/chat/completions`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: "Request body is not valid JSON", type: "invalid_request_error", param: null, code: null } });
    expect(mock.requests).toHaveLength(0);
  });

  // OpenAI's own client (base64 float32s) and a plain request (floats) get the same vectors.
  it("embeds texts deterministically, nearer the more words they share, for OpenAI's client and plain requests", async () => {
    mock = await startMockOpenAI();
    const embeddings = new OpenAIEmbeddings({ model: "text-embedding-3-small", apiKey: "x", configuration: { baseURL: mock.baseURL }, maxRetries: 0 });
    const [coffee, morning, bikes] = await embeddings.embedDocuments(["I like coffee", "coffee in the morning", "bikes"]);
    expect(coffee).toHaveLength(1536);
    for (const [i, x] of coffee!.entries()) expect(x).toBeCloseTo(wordHashEmbedding("I like coffee")[i]!, 6);
    const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    expect(cosine(coffee!, morning!)).toBeGreaterThan(0.2);
    expect(cosine(coffee!, bikes!)).toBeCloseTo(0, 6);
    const res = await fetch(`${mock.baseURL}/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", input: "bikes", dimensions: 8 }) });
    const body = await res.json();
    expect(body).toMatchObject({ object: "list", model: "m", data: [{ object: "embedding", index: 0, embedding: wordHashEmbedding("bikes", 8) }], usage: { prompt_tokens: 1, total_tokens: 1 } });
    expect(mock.embeddingRequests.map((r) => r.input)).toEqual([["I like coffee", "coffee in the morning", "bikes"], ["bikes"]]);
    mock.scriptEmbeddings({ httpStatus: 429 });
    await expect(embeddings.embedQuery("x")).rejects.toThrow(/429/);
  });

  // The server options a provider's test route meets: a key, a model list, a redirect, a slow server.
  it("requires its key, lists its models, 404s another model, redirects and waits when told to", async () => {
    mock = await startMockOpenAI(undefined, { apiKey: "sk-right", unauthorizedMessage: "no entry", models: ["m1", "m2"] });
    const get = (key: string) => fetch(`${mock!.baseURL}/models`, { headers: { authorization: `Bearer ${key}` } });
    const wrong = await get("sk-wrong");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { message: "no entry", code: "invalid_api_key" } });
    expect((await (await get("sk-right")).json()).data.map((m: { id: string }) => m.id)).toEqual(["m1", "m2"]);
    const chat = (model: string) => new ChatOpenAI({ model, apiKey: "sk-right", configuration: { baseURL: mock!.baseURL }, maxRetries: 0 }).invoke("hi");
    expect((await chat("m2")).content).toBe("mock reply");
    await expect(chat("m3")).rejects.toThrow(/404/);
    await mock.close();

    mock = await startMockOpenAI(undefined, { redirectTo: "http://127.0.0.1:9/v1/models", delayMs: 50 });
    const moved = await fetch(`${mock.baseURL}/models`, { redirect: "manual" });
    expect([moved.status, moved.headers.get("location")]).toEqual([302, "http://127.0.0.1:9/v1/models"]);
  });
});
