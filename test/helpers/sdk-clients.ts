import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll } from "vitest";
import { startTestService, type TestService } from "./test-service.js";

export const ALICE = "key-aaaaaaaa";
export const BOB = "key-bbbbbbbb";

export interface SdkClients {
  t: TestService;
  /** Tenant A's and tenant B's official LangGraph clients. */
  alice: Client;
  bob: Client;
}

/** The service with two tenants' API keys, and an SDK client for each. */
export async function startWithSdkClients(): Promise<SdkClients> {
  const t = await startTestService({ env: { API_KEYS: `${ALICE}:tenantA:alice,${BOB}:tenantB:bob` } });
  // No retries: a 4xx the client would retry should fail the test at once.
  const client = (apiKey: string) => new Client({ apiUrl: t.url, apiKey, callerOptions: { maxRetries: 0 } });
  return { t, alice: client(ALICE), bob: client(BOB) };
}

/** The HTTP status an SDK call ended with: 200 when it succeeded. */
export const sdkStatus = (p: Promise<unknown>) => p.then(() => 200, (err: { status?: number }) => err.status);

/** Our own mirror of a thread (`GET /api/threads/:id`), read as Alice, to compare with checkpoint state. */
export async function aliceMirror(t: TestService, threadId: string): Promise<MirrorThread> {
  return (await fetch(`${t.url}/api/threads/${threadId}`, { headers: { authorization: `Bearer ${ALICE}` } })).json() as Promise<MirrorThread>;
}

export interface MirrorThread {
  status: string;
  head_checkpoint_id: string;
  messages: { id: string; role: string; content: string; status: string }[];
}

/**
 * For a describe block: the service with both tenants' clients, started before its tests and closed
 * after them, and Alice's view of a thread's mirror.
 */
export function sdkSuite(): SdkClients & { mirror(threadId: string): Promise<MirrorThread> } {
  let started: SdkClients | undefined;
  beforeAll(async () => {
    started = await startWithSdkClients();
  });
  afterAll(() => started?.t.close());
  const get = () => {
    if (!started) throw new Error("the suite's service has not started");
    return started;
  };
  return {
    get t() {
      return get().t;
    },
    get alice() {
      return get().alice;
    },
    get bob() {
      return get().bob;
    },
    mirror: (threadId) => aliceMirror(get().t, threadId),
  };
}
