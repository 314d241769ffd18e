import { BaseStore, type Item, type ListNamespacesOperation, type Operation, type OperationResults } from "@langchain/langgraph";
import { checkKey, checkNamespace, checkValue, invalidStoreField } from "./store-rules.js";
import { checkFilter } from "./store-filter.js";
import type { StoreRepository } from "./store-repository.js";

/** The most items a graph's search or listing returns at once, and the furthest it pages. */
const MAX_LIMIT = 10_000;
const MAX_OFFSET = 1_000_000;

/**
 * One tenant's store as a graph sees it (`config.store`, `getStore()`): LangGraph's BaseStore over
 * the tenant's items. Namespaces are the graph's own, never prefixed: the tenant is chosen by the
 * run, so the graph cannot name another's. Operations run in order, one statement each; what a graph
 * may not ask (an empty label, an unknown filter operator) fails as a 400 would say it.
 */
export class TenantStore extends BaseStore {
  constructor(
    private readonly repository: StoreRepository,
    readonly tenantId: string,
  ) {
    super();
  }

  /** What a config holding this store shows if serialised (as LangGraph's own stores do): never the pool. */
  toJSON(): string {
    return "[TenantStore]";
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    for (const op of operations) results.push(await this.run(op));
    return results as OperationResults<Op>;
  }

  private async run(op: Operation): Promise<unknown> {
    if ("namespacePrefix" in op) {
      const prefix = checkNamespace(op.namespacePrefix, "namespacePrefix", { empty: true });
      return this.repository.search(this.tenantId, {
        prefix, filter: checkFilter(op.filter), limit: whole(op.limit, 10, "limit", 0, MAX_LIMIT), offset: whole(op.offset, 0, "offset", 0, MAX_OFFSET), query: op.query ?? undefined,
      });
    }
    if ("matchConditions" in op || !("key" in op)) return this.listing(op as ListNamespacesOperation);
    const namespace = checkNamespace(op.namespace, "namespace");
    const key = checkKey(op.key, namespace);
    if (!("value" in op)) return this.repository.get(this.tenantId, namespace, key) satisfies Promise<Item | null>;
    if (op.value === null) return void (await this.repository.delete(this.tenantId, namespace, key));
    await this.repository.put(this.tenantId, namespace, key, checkValue(op.value), { fields: op.index });
  }

  private listing(op: ListNamespacesOperation): Promise<string[][]> {
    const path = (type: "prefix" | "suffix") => op.matchConditions?.find((c) => c.matchType === type)?.path;
    const prefix = path("prefix");
    const suffix = path("suffix");
    return this.repository.listNamespaces(this.tenantId, {
      prefix: prefix && checkNamespace(prefix, "prefix", { empty: true }),
      suffix: suffix && checkNamespace(suffix, "suffix", { empty: true }),
      maxDepth: op.maxDepth === undefined ? undefined : whole(op.maxDepth, 1, "maxDepth", 1, 1_000),
      limit: whole(op.limit, 100, "limit", 0, MAX_LIMIT), offset: whole(op.offset, 0, "offset", 0, MAX_OFFSET),
    });
  }
}

/** A whole number in [min, max], or `fallback` when absent. */
function whole(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalidStoreField(field, `must be a whole number from ${min} to ${max}`);
  return value;
}
