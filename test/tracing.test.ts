import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { startFakeLangSmith } from "./helpers/fake-langsmith.js";


// Runs skip LangChain's background callback queue when no tracer is configured (callbacks-in-line);
// with tracing configured nothing of that changes, and a turn still reaches LangSmith.
describe("LangSmith tracing configured in the environment", () => {
  let langsmith: Awaited<ReturnType<typeof startFakeLangSmith>>;
  let t: TestService;
  beforeAll(async () => {
    langsmith = await startFakeLangSmith();
    t = await startTestService({ env: { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: langsmith.url, LANGSMITH_API_KEY: "test-key", LANGSMITH_PROJECT: "threadloom-test" } });
  });
  afterAll(async () => {
    await t?.close();
    await langsmith?.close();
  });

  it("sends each turn's graph run and model call to LangSmith, and the turn streams as without it", async () => {
    expect(process.env.LANGCHAIN_CALLBACKS_BACKGROUND).toBeUndefined();
    t.mock.script({ text: "Traced reply" });
    const res = await chat(t.url, { message: "trace me" });
    expect(res.events.filter((e) => e.event === "token").map((e) => e.data.content).join("")).toBe("Traced reply");
    expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    await vi.waitFor(() => {
      const sent = langsmith.uploads.join("\n");
      expect(sent).toContain("ChatOpenAI");
      expect(sent).toContain("trace me");
      expect(sent).toContain("Traced reply");
    }, { timeout: 15_000, interval: 200 });
  });
});
