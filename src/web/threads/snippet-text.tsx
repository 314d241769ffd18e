import { snippetParts } from "./snippet-parts";

/** A search snippet with its matched words as <mark> elements (React escapes the rest). */
export function SnippetText({ text }: { text: string }) {
  return <>{snippetParts(text).map((p, i) => (typeof p === "string" ? p : <mark key={i}>{p.mark}</mark>))}</>;
}
