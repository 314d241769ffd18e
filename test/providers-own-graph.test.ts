import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRepository } from "../src/providers/provider-repository.js";
import { parseSecretsKey, SecretBox } from "../src/providers/secret-box.js";
import { type MockOpenAI, startMockOpenAI } from "./helpers/mock-openai.js";
import { type ServiceProcess, startServiceProcess } from "./helpers/service-process.js";
import { chat } from "./helpers/sse-client.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const KEY_A = `sk-own-${randomBytes(12).toString("hex")}`;

// A graph of the user's own, outside the project, as `langgraph.json` names it: `threadloom/providers`
// gives it the run's model, on the assistant's provider or else the environment's.
const OWN_GRAPH = `
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { providerChatModel } from "threadloom/providers";

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state, config) => {
    const model = await providerChatModel(config);
    return { messages: [await model.invoke(state.messages, config)] };
  })
  .addEdge(START, "agent")
  .addEdge("agent", END)
  .compile();
`;

// In a process of its own, as `npm start` runs it: there graphs outside the project resolve
// `threadloom/providers` through the resolve hook (vitest would resolve them with its own).
describe("providerChatModel in a graph from langgraph.json (threadloom/providers)", () => {
  let service: ServiceProcess;
  let db: TestDatabase;
  let provider: MockOpenAI;
  let envModel: MockOpenAI;
  let dir: string;
  const secretsKey = randomBytes(32).toString("base64");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "threadloom-providers-"));
    await writeFile(join(dir, "package.json"), '{ "type": "module" }');
    await writeFile(join(dir, "own.ts"), OWN_GRAPH);
    await writeFile(join(dir, "langgraph.json"), JSON.stringify({ graphs: { own: "./own.ts:graph" } }));
    [db, provider, envModel] = await Promise.all([createTestDatabase(), startMockOpenAI({ text: "From the provider." }, { apiKey: KEY_A }), startMockOpenAI({ text: "From the environment." })]);
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: db.url, LANGGRAPH_JSON: join(dir, "langgraph.json"), SECRETS_KEY: secretsKey, PROVIDER_ALLOWED_HOSTS: "127.0.0.1",
      OPENAI_BASE_URL: envModel.baseURL, OPENAI_API_KEY: "env-key", OPENAI_MODEL: "env-model",
    };
    delete env.API_KEYS;
    service = await startServiceProcess(env);
  });
  afterAll(async () => {
    await service?.stop();
    await Promise.all([provider?.close(), envModel?.close(), rm(dir, { recursive: true, force: true })]);
  });

  it("answers on the assistant's provider, and on the environment's model without one", async () => {
    const repository = new ProviderRepository(db.pool, new SecretBox(parseSecretsKey(secretsKey)!));
    const { providerId } = await repository.create("default", { name: "own", baseUrl: provider.baseURL, apiKey: KEY_A, defaultModel: "own-model" });
    const assistant = await fetch(`${service.url}/api/assistants`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ graph_id: "own", name: "own on a provider", config: { provider_id: providerId } }),
    }).then((r) => r.json() as Promise<{ assistant_id: string }>);
    const onProvider = await chat(service.url, { message: "hi", assistant_id: assistant.assistant_id });
    expect(onProvider.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    const onEnv = await chat(service.url, { message: "hi", assistant_id: "own" });
    expect(onEnv.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    const replies = await Promise.all([onProvider, onEnv].map(async (turn) => {
      const thread = await fetch(`${service.url}/api/threads/${turn.events[0]!.data.thread_id}`).then((r) => r.json() as Promise<{ messages: { role: string; content: string; provider_id: string | null }[] }>);
      return thread.messages.filter((m) => m.role === "assistant").map((m) => [m.content, m.provider_id]);
    }));
    expect(replies).toEqual([[["From the provider.", providerId]], [["From the environment.", null]]]);
    expect(provider.requests.map((r) => r.body.model)).toEqual(["own-model"]);
    expect(service.logs()).not.toContain(KEY_A);
  });
});
