import { Client } from "@langchain/langgraph-sdk";
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
