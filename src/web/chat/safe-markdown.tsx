import { lazy, memo, Suspense } from "react";

// The Markdown renderer and its code highlighter are the largest part of the page's code: fetched
// beside the page as it starts, not before it. Until they are here, the text shows as it is.
const load = () => import("./markdown-view");
const MarkdownView = lazy(load);
void load();

/** Markdown from a model, a tool or a user, drawn safely (see markdown-view.tsx). */
export const SafeMarkdown = memo(function SafeMarkdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<div className="markdown plain-text">{text}</div>}>
      <MarkdownView text={text} />
    </Suspense>
  );
});
