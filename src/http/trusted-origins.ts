/**
 * The cross-site guard's question — may a page of this origin make requests? — answered from the
 * same setting CORS uses (`true` any origin, a list those, a pattern those it matches), so the two
 * never disagree.
 */
export function trustedOrigins(corsOrigin: boolean | string[] | RegExp): (origin: string) => boolean {
  if (corsOrigin === true) return () => true;
  if (Array.isArray(corsOrigin)) {
    const listed = new Set(corsOrigin);
    return (origin) => listed.has(origin);
  }
  if (corsOrigin instanceof RegExp) return (origin) => corsOrigin.test(origin);
  return () => false;
}
