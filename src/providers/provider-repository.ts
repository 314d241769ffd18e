// TEMPORARY stand-in until prov-store is merged (A owns this file).
export interface ProviderConnection {
  providerId: string; tenantId: string; kind: "openai-compatible";
  baseUrl: string; apiKey: string | undefined; headers: Record<string, string>;
  defaultModel: string | undefined; timeoutMs: number; updatedAt: Date;
}
