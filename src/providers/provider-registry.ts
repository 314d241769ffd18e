import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ProviderModels, ProviderModelSettings } from "./provider-models.js";

/** Where graphs find the registry (graphs/lib/provider-model.ts): graphs never import the service. */
export const PROVIDER_REGISTRY = Symbol.for("threadloom.providers");

/** What a run's providers are: its tenant's, through the service that runs it. */
export interface RunProviders {
  tenantId: string;
  models: ProviderModels;
}

/** What graphs call; the tenant is the running run's, never an argument. */
export interface ProviderRegistry {
  chatModel(providerId: string, settings: ProviderModelSettings): Promise<BaseChatModel>;
}

interface Registry extends ProviderRegistry {
  scope: AsyncLocalStorage<RunProviders>;
}

/**
 * One per process, on `globalThis`, so that a graph loaded from elsewhere (with its own copy of this
 * module, or none) and the service agree. The run's tenant is kept in an AsyncLocalStorage the run
 * executes in, set by the service: a client can put anything in `configurable`, but cannot reach
 * another tenant's provider through it.
 */
function registry(): Registry {
  const global = globalThis as { [PROVIDER_REGISTRY]?: Registry };
  if (!global[PROVIDER_REGISTRY]) {
    const scope = new AsyncLocalStorage<RunProviders>();
    global[PROVIDER_REGISTRY] = {
      scope,
      chatModel(providerId, settings) {
        const run = scope.getStore();
        if (!run) return Promise.reject(new Error("a provider's chat model can be made only inside a run of threadloom's (call providerChatModel in a node, not when the graph is built)"));
        return run.models.chatModel(run.tenantId, providerId, settings);
      },
    };
  }
  return global[PROVIDER_REGISTRY];
}

/** Makes the registry available to graphs (createService calls it). */
export function installProviderRegistry(): void {
  registry();
}

/** Runs `fn` (a run's execution) with its tenant's providers. */
export function withRunProviders<T>(providers: RunProviders, fn: () => T): T {
  return registry().scope.run(providers, fn);
}
