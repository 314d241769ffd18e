/** Metadata a thread or assistant must contain (`jsonb @>`) to be seen: what an auth handler allows. */
export type MetadataFilter = Record<string, unknown>;

/**
 * Whether `metadata` contains `filter` as PostgreSQL's `jsonb @>` decides it, so a check in memory
 * and the same filter in SQL (`metadata @> $1`) agree: each key of an object must be there with a
 * value that contains the filter's; each element of an array must be in the other array; anything
 * else must be equal. An absent filter passes everything.
 */
export function metadataContains(metadata: unknown, filter: MetadataFilter | undefined): boolean {
  return filter === undefined || contains(metadata, filter);
}

function contains(value: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(value) && wanted.every((w) => value.some((v) => contains(v, w)));
  }
  if (typeof wanted === "object" && wanted !== null) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const object = value as Record<string, unknown>;
    return Object.entries(wanted).every(([key, w]) => Object.hasOwn(object, key) && contains(object[key], w));
  }
  return value === wanted;
}
