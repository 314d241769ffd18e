import { createContext, useContext, useMemo, useState, type ReactNode } from "react";

/** A `doc` custom event of a run (the draft graph's documents): the latest version per title. */
export interface Doc {
  title: string;
  content: string;
  version: number;
}

interface DocsValue {
  docs: Doc[];
  /** A doc event arrived: replaces the doc of that title with a newer version. */
  add(doc: Doc): void;
  clear(): void;
}

const DocsContext = createContext<DocsValue | null>(null);

export function DocsProvider({ children }: { children: ReactNode }) {
  const [docs, setDocs] = useState<Doc[]>([]);
  const value = useMemo<DocsValue>(
    () => ({
      docs,
      add: (doc) => setDocs((all) => [...all.filter((d) => d.title !== doc.title || d.version > doc.version), doc].sort((a, b) => a.title.localeCompare(b.title))),
      clear: () => setDocs([]),
    }),
    [docs],
  );
  return <DocsContext.Provider value={value}>{children}</DocsContext.Provider>;
}

export function useDocs(): DocsValue {
  const value = useContext(DocsContext);
  if (!value) throw new Error("useDocs outside DocsProvider");
  return value;
}
