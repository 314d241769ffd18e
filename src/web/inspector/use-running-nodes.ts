import { useEffect, useState } from "react";
import type { HistoryEntry, Thread } from "../api/types";
import { useRunStatus } from "../shell/run-status";

const POLL_MS = 700;

export interface OwnRun {
  running: boolean;
  node: string | null;
}

/**
 * Which nodes run now, and a tick that moves while a run goes on (the timeline reloads on it).
 * The chat's run reports its node; a run it does not hold (started by another tab, a script, or
 * "run from here") shows as the thread's `busy` status, and its running nodes are then the newest
 * checkpoint's `next`: the tasks of the step in progress.
 */
export function useRunningNodes(thread: Thread | null, newest: HistoryEntry | undefined, own: OwnRun): { running: string[]; busy: boolean; tick: number } {
  const status = useRunStatus();
  const busy = status.running || own.running || thread?.status === "busy";
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setTick((t) => t + 1), POLL_MS);
    return () => clearInterval(timer);
  }, [busy]);
  const reported = status.running ? status.node : own.node;
  const running = !busy ? [] : reported ? [reported] : (newest?.next ?? []);
  return { running, busy, tick };
}
