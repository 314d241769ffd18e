// Everything a model, a tool or a user wrote is untrusted: only these URLs become links or images.
const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);

function parse(url: string): URL | null {
  try {
    return new URL(url, window.location.href);
  } catch {
    return null;
  }
}

/** A link target we allow (http, https, mailto); anything else (javascript:, data:, vbscript:…) is not a link. */
export function isSafeLink(url: string): boolean {
  const parsed = parse(url.trim());
  return parsed !== null && LINK_SCHEMES.has(parsed.protocol);
}

/** An image we load: this origin's or an inline data: image. Another host's would leak the reader's visit. */
export function isSafeImage(url: string): boolean {
  const trimmed = url.trim();
  if (/^data:image\//i.test(trimmed)) return true;
  const parsed = parse(trimmed);
  return parsed !== null && (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.origin === window.location.origin;
}

/**
 * react-markdown's `urlTransform`: an href that is not a safe link is dropped (the `a` renderer then
 * shows plain text); an image's src is kept when it is a safe link or image, so the `img` renderer can
 * offer another host's image as a link instead of loading it.
 */
export function safeUrlTransform(url: string, key: string): string | null {
  if (key === "src") return isSafeImage(url) || isSafeLink(url) ? url : null;
  return isSafeLink(url) ? url : null;
}
