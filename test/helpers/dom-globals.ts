/**
 * Import first (before React) to give a test file jsdom's window as its globals while it keeps
 * Node's environment. `// @vitest-environment jsdom` would also transform every module as for a
 * browser, where Vite rewrites `new URL("./migrations/", import.meta.url)` to a URL under the page's
 * origin, so the in-process service could not find its migrations. This is Vitest's own jsdom setup:
 * fetch, ReadableStream, TextDecoder and AbortController stay Node's.
 */
import { afterAll } from "vitest";
import { builtinEnvironments } from "vitest/runtime";

const dom = await builtinEnvironments.jsdom.setup(globalThis, {});
afterAll(() => dom.teardown(globalThis));
