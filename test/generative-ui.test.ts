import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JSDOM } from "jsdom";
import { pino } from "pino";
import * as React from "react";
import * as ReactDOM from "react-dom";
import { renderToStaticMarkup } from "react-dom/server";
import * as JsxRuntime from "react/jsx-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "./helpers/problem.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
const KEY = "key-ui-0123456";
const auth = { authorization: `Bearer ${KEY}` };

// The manifest's `ui`: each graph's components bundled (esbuild) for the page that shows them, as
// LangGraph's `LoadExternalComponent` loads them: POST /ui/:graph gives the HTML, the bundle's files
// are served open under /ui/:graph/, and the script renders with the page's React.
describe("generative UI: the manifest's ui components, bundled and served", () => {
  let t: TestService;
  let dir: string;
  const logged: { level: number; msg: string }[] = [];
  const component = (graph: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(`${t.url}/ui/${graph}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-ui-"));
    const manifest = path.join(dir, "langgraph.json");
    await writeFile(manifest, JSON.stringify({
      graphs: { echo: `${GRAPHS}/echo-config.ts:graph` },
      ui: { echo: `${GRAPHS}/ui/weather.tsx`, broken: `${GRAPHS}/ui/broken.tsx` },
    }));
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest, API_KEYS: `${KEY}:acme:ui` }, logger });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the HTML that loads a component: the stylesheet, and the script that renders it by name", async () => {
    await expectProblem(await component("echo", { name: "weather" }, {}), 401, /API key is required/);
    const res = await component("echo", { name: "weather" });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    const host = new URL(t.url).host;
    expect(await res.text()).toBe([
      `<link rel="stylesheet" href="http://${host}/ui/echo/entrypoint.css" />`,
      `<script src="http://${host}/ui/echo/entrypoint.js" onload='__LGUI_echo.render("weather", "{{shadowRootId}}")'></script>`,
    ].join("\n"));
    // A name that would end the attribute is escaped in it.
    expect(await (await component("echo", { name: "it's<b>" })).text()).toContain(`onload='__LGUI_echo.render("it&#39;s&lt;b&gt;", "{{shadowRootId}}")'`);
  });

  it("serves the bundle's files to a page's tags without credentials, and nothing else", async () => {
    const css = await fetch(`${t.url}/ui/echo/entrypoint.css`);
    expect([css.status, css.headers.get("content-type"), await css.text()]).toEqual([200, "text/css; charset=utf-8", expect.stringContaining("font-weight: bold")]);
    const js = await fetch(`${t.url}/ui/echo/entrypoint.js`);
    expect([js.status, js.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
    // The page's modules are asked of the page, not bundled.
    const text = await js.text();
    expect(text).toContain('globalThis[Symbol.for("LGUI_REQUIRE")]');
    expect(text).not.toContain("react.production");
    await expectProblem(await fetch(`${t.url}/ui/echo/package.json`), 404, /has no file "package.json" \(it has entrypoint\.js, entrypoint\.css\)/);
    await expectProblem(await fetch(`${t.url}/ui/nope/entrypoint.js`), 404, /No generative UI for "nope": the manifest's ui lists "echo", "broken"/);
  });

  // The page is a jsdom window of its own (the service bundles with esbuild, which jsdom's globals
  // would break in this process): the bundle runs in its realm, as in a browser tab, and the
  // component it hands over renders with the page's React.
  it("renders the named component with the page's React, through the page's component store", async () => {
    const page = new JSDOM('<div id="child-shadow-1"></div>', { runScripts: "outside-only" });
    const shadowRoot = page.window.document.getElementById("child-shadow-1")!.attachShadow({ mode: "open" });
    const pageModules: Record<string, unknown> = { react: React, "react-dom": ReactDOM, "react/jsx-runtime": JsxRuntime };
    const responded: { id: string; component: React.FunctionComponent<{ city: string }>; target: HTMLElement }[] = [];
    // What LangGraph's LoadExternalComponent puts on the window: the page's modules, and the store
    // the script hands the component to.
    Object.assign(page.window, {
      [Symbol.for("LGUI_REQUIRE")]: (name: string) => pageModules[name],
      [Symbol.for("LGUI_EXT_STORE")]: { respond: (id: string, component: never, target: HTMLElement) => void responded.push({ id, component, target }) },
    });
    page.window.eval(await (await fetch(`${t.url}/ui/echo/entrypoint.js`)).text());
    page.window.eval('__LGUI_echo.render("weather", "child-shadow-1")');
    expect(responded.map((r) => [r.id, r.target.parentNode === shadowRoot])).toEqual([["child-shadow-1", true]]);
    const { component } = responded[0]!;
    // Its hook works only with the page's React: a copy of its own would fail it ("Invalid hook call").
    expect(renderToStaticMarkup(React.createElement(component, { city: "Paris" }))).toBe('<p class="weather">Weather for Paris, in °C</p>');
    expect(() => page.window.eval('__LGUI_echo.render("radar", "child-shadow-1")')).toThrow('this UI has no component "radar" (it has weather)');
    page.window.close();
  });

  it("answers a UI that did not build with a problem, logged once, and serves the rest", async () => {
    const broken = await component("broken", { name: "missing" });
    expect(await expectProblem(broken, 500, /^The UI of "broken" \(.*broken\.tsx\) did not build; the service's log says why\.$/)).toMatchObject({ type: "about:blank#ui_unavailable" });
    await expectProblem(await fetch(`${t.url}/ui/broken/entrypoint.js`), 500, /did not build/);
    const lines = logged.filter((l) => l.msg.startsWith("ui broken"));
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: expect.stringMatching(/^ui broken \(.*broken\.tsx\): the build failed: .*broken\.tsx:2:\d+: Could not resolve "\.\/no-such-file"$/) })]);
    expect((await component("echo", { name: "weather" })).status).toBe(200);
    expect((await fetch(`${t.url}/ok`)).status).toBe(401);
  });

  it("refuses a request without a component name, naming the field", async () => {
    const body = await expectProblem(await component("echo", {}), 400, /name/);
    expect(body.invalid_params).toEqual([{ name: "name", reason: expect.any(String) }]);
    await expectProblem(await component("nope", { name: "weather" }), 404, /No generative UI for "nope"/);
  });
});
