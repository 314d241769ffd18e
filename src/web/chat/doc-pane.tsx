import { useDocs } from "../shell/docs-context";
import { CopyButton } from "./copy-button";
import { SafeMarkdown } from "./safe-markdown";
import "./chat.css";

/** The documents the open thread's runs wrote (`doc` custom events), newest version of each. */
export function DocPane() {
  const { docs } = useDocs();
  if (docs.length === 0) return <p className="empty">Documents a run writes appear here.</p>;
  return (
    <div className="doc-pane">
      {docs.map((doc) => (
        <article key={doc.title} className="doc" aria-label={`Document ${doc.title}`}>
          <header>
            <h3>{doc.title}</h3>
            <span className="muted">v{doc.version}</span>
            <span className="spacer" />
            <CopyButton label={`Copy document ${doc.title}`} text={() => doc.content} />
          </header>
          <SafeMarkdown text={doc.content} />
        </article>
      ))}
    </div>
  );
}
