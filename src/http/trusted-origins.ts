/**
 * The cross-site guard's question — may a page of this origin make requests? — answered from the
 * same setting CORS uses (`true` any origin, `false` none, a list of origins and patterns those, a
 * pattern those it matches), so the two never disagree.
 */
export function trustedOrigins(corsOrigin: boolean | (string | RegExp)[] | RegExp): (origin: string) => boolean {
  if (corsOrigin === true) return () => true;
  if (Array.isArray(corsOrigin)) {
    const listed = new Set(corsOrigin.filter((o): o is string => typeof o === "string"));
    const patterns = corsOrigin.filter((o): o is RegExp => o instanceof RegExp);
    return (origin) => listed.has(origin) || patterns.some((p) => p.test(origin));
  }
  if (corsOrigin instanceof RegExp) return (origin) => corsOrigin.test(origin);
  return () => false;
}
