import { createContext, useContext, useMemo, useState, type ReactNode } from "react";

/**
 * What the open thread's run is doing, for the parts that only watch it (the inspector lights the
 * running node; lists reload when it ends). The chat, which holds the run's stream, reports it.
 */
export interface RunStatus {
  running: boolean;
  runId: string | null;
  /** The graph node running now (from the stream's metadata), or null. */
  node: string | null;
  /** Bumped when a run of the open thread ends (or the thread's state changes otherwise). */
  version: number;
}

interface RunStatusValue extends RunStatus {
  report(status: Partial<Omit<RunStatus, "version">>): void;
  ended(): void;
}

const RunStatusContext = createContext<RunStatusValue | null>(null);

export function RunStatusProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<RunStatus>({ running: false, runId: null, node: null, version: 0 });
  const value = useMemo<RunStatusValue>(
    () => ({
      ...status,
      report: (next) => setStatus((s) => ({ ...s, ...next })),
      ended: () => setStatus((s) => ({ running: false, runId: null, node: null, version: s.version + 1 })),
    }),
    [status],
  );
  return <RunStatusContext.Provider value={value}>{children}</RunStatusContext.Provider>;
}

export function useRunStatus(): RunStatusValue {
  const value = useContext(RunStatusContext);
  if (!value) throw new Error("useRunStatus outside RunStatusProvider");
  return value;
}
