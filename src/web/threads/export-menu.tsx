import { useEffect, useRef, useState } from "react";
import { useApp } from "../shell/app-context";
import { saveDownload } from "./save-download";

const FORMATS = [
  { format: "json", label: "JSON" },
  { format: "markdown", label: "Markdown" },
  { format: "jsonl", label: "JSONL" },
] as const;

/** Export: the thread's head branch as a JSON, Markdown or JSON Lines download. */
export function ExportMenu({ threadId, onError }: { threadId: string; onError(message: string | null): void }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  const anchor = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !anchor.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", close);
    document.addEventListener("pointerdown", close);
    anchor.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("pointerdown", close);
    };
  }, [open]);

  const download = async (format: string) => {
    setOpen(false);
    try {
      const res = await api.fetch(`/api/threads/${encodeURIComponent(threadId)}/export?format=${format}`);
      await saveDownload(res, `thread.${format}`);
      onError(null);
    } catch (err) {
      onError(`Export failed: ${(err as Error).message}`);
    }
  };

  return (
    <div className="menu-anchor" ref={anchor}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Export <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="menu" role="menu" aria-label="Export as">
          {FORMATS.map((f) => (
            <button key={f.format} type="button" role="menuitem" onClick={() => void download(f.format)}>
              {f.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
