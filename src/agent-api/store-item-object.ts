import type { StoredItem } from "../store/store-repository.js";

/** An item as the Agent Server sends it: snake_case times, and `score` only from a search by meaning. */
export function storeItemObject(item: StoredItem): Record<string, unknown> {
  return {
    namespace: item.namespace, key: item.key, value: item.value,
    created_at: item.createdAt.toISOString(), updated_at: item.updatedAt.toISOString(),
    ...(item.score === undefined ? {} : { score: item.score }),
  };
}
