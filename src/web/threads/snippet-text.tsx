/**
 * A search snippet: plain text with the matched words between « and ». They become <mark>
 * elements by splitting the text, never by parsing it as HTML: the text is a message, untrusted.
 */
export function SnippetText({ text }: { text: string }) {
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
  return <>{parts.map((p, i) => (typeof p === "string" ? p : <mark key={i}>{p.mark}</mark>))}</>;
}
