/**
 * Whether `err` is zlib's for bytes that are not in the format being inflated (Z_DATA_ERROR,
 * Brotli's ERR__ERROR_FORMAT_…): a body that is not what its Content-Encoding says, the client's fault.
 */
export function isInflateError(err: unknown): boolean {
  const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown };
  return typeof errno === "number" && typeof code === "string" && /^(Z_|ERR__|ERR_BROTLI)/.test(code);
}
