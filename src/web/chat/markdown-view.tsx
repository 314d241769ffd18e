import { type ComponentProps, type ReactNode } from "react";
import Markdown, { type Components, type ExtraProps } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { CopyButton } from "./copy-button";
import { isSafeImage, isSafeLink, safeUrlTransform } from "./safe-url";

interface HastNode {
  type: string;
  value?: string;
  children?: HastNode[];
}

function textOf(node: HastNode | undefined): string {
  if (!node) return "";
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(textOf).join("");
}

function CodeBlock({ node, children, ...rest }: ComponentProps<"pre"> & ExtraProps) {
  return (
    <div className="code-block">
      <CopyButton label="Copy code" className="code-copy" text={() => textOf(node as HastNode).replace(/\n$/, "")} />
      <pre {...rest}>{children}</pre>
    </div>
  );
}

function Link({ href, children }: ComponentProps<"a"> & ExtraProps): ReactNode {
  if (!href || !isSafeLink(href)) return <span className="unsafe-link">{children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

// Another host's image is offered as a link: loading it would tell that host who reads the thread.
function Image({ src, alt, title }: ComponentProps<"img"> & ExtraProps): ReactNode {
  const url = typeof src === "string" ? src : "";
  if (url && isSafeImage(url)) return <img src={url} alt={alt ?? ""} title={title} loading="lazy" />;
  if (url && isSafeLink(url)) {
    return (
      <a href={url} target="_blank" rel="noopener noreferrer" className="image-link">
        {alt || url}
      </a>
    );
  }
  return <span className="unsafe-link">{alt || "image"}</span>;
}

const COMPONENTS: Components = { pre: CodeBlock, a: Link, img: Image };
const REMARK = [remarkGfm];
const REHYPE = [[rehypeHighlight, { detect: false }]] as never;

/**
 * Markdown from a model, a tool or a user: raw HTML shows as text (react-markdown's default; never
 * rehype-raw), links only http/https/mailto, images only from this origin or data:. Loaded apart
 * from the page (see SafeMarkdown).
 */
export default function MarkdownView({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown remarkPlugins={REMARK} rehypePlugins={REHYPE} components={COMPONENTS} urlTransform={safeUrlTransform}>
        {text}
      </Markdown>
    </div>
  );
}
