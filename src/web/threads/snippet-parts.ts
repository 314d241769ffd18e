/**
 * A search snippet's text split into plain parts and matched words (between « and »). An unpaired
 * marker stays text. Splitting, never parsing as HTML: the text is a message, untrusted.
 */
export function snippetParts(text: string): (string | { mark: string })[] {
  const parts: (string | { mark: string })[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf("«");
    const close = open < 0 ? -1 : rest.indexOf("»", open + 1);
    if (open < 0 || close < 0) break;
    if (open > 0) parts.push(rest.slice(0, open));
    parts.push({ mark: rest.slice(open + 1, close) });
    rest = rest.slice(close + 1);
  }
  if (rest) parts.push(rest);
  return parts;
}
