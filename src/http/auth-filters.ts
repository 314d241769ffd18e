/**
 * What an auth handler may return to narrow what a request sees: per metadata key, a value the key
 * must equal, `{ $eq: value }` (the same), or `{ $contains: value | values }` (the key holds an array
 * with each of them), as LangGraph's server reads them.
 */
export type AuthFilters = Record<string, unknown>;

/**
 * The filters as one JSON object that matching metadata contains (`jsonb @>`), for SQL and for
 * `metadataContains` alike. A filter of another shape is the handler's mistake, refused rather than
 * ignored (it would widen what the caller sees).
 */
export function filterContainment(filters: AuthFilters): Record<string, unknown> {
  const containment: Record<string, unknown> = {};
  for (const [key, filter] of Object.entries(filters)) {
    if (typeof filter !== "object" || filter === null) {
      containment[key] = filter;
      continue;
    }
    const operators = Object.keys(filter);
    const { $eq, $contains } = filter as { $eq?: unknown; $contains?: unknown };
    if (operators.length === 1 && operators[0] === "$eq") containment[key] = $eq;
    else if (operators.length === 1 && operators[0] === "$contains") containment[key] = Array.isArray($contains) ? $contains : [$contains];
    else throw new Error(`an auth handler returned a filter on "${key}" of a shape this server does not apply: ${JSON.stringify(filter)} (a value, {"$eq": value} or {"$contains": value or values})`);
  }
  return containment;
}
