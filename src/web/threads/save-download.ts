/** The file name a `Content-Disposition: attachment; filename="…"` names, or `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header ?? "");
  if (star) return decodeURIComponent(star[1]);
  return /filename="?([^";]+)"?/i.exec(header ?? "")?.[1] ?? fallback;
}

/**
 * Saves a response as a file. The request went through `api.fetch` (the key in a header), so the
 * browser cannot be sent to the URL itself: the body becomes a Blob, saved by a temporary link.
 */
export async function saveDownload(res: Response, fallbackName: string): Promise<string> {
  const name = attachmentName(res.headers.get("content-disposition"), fallbackName);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by then; the Blob's URL is only needed until it has.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
