import type { Assistant as SdkAssistant } from "@langchain/langgraph-sdk";
import { useEffect, useState, useSyncExternalStore } from "react";
import { useApp } from "../shell/app-context";

/** A choice of assistant: a graph of the manifest (its defaults, id = graph id) or a stored assistant (id = UUID). */
export interface AssistantChoice {
  id: string;
  name: string;
  graphId: string;
  stored: boolean;
  version: number;
}

// Every list of assistants on the page reloads when one is saved: the picker sees the editor's new one.
let version = 0;
const listeners = new Set<() => void>();
export function assistantsChanged(): void {
  version += 1;
  for (const listener of listeners) listener();
}
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** The Agent Server lists each graph as an assistant made by the system; it is known by its graph id. */
export function toChoice(a: SdkAssistant): AssistantChoice {
  const stored = a.metadata?.created_by !== "system";
  return { id: stored ? a.assistant_id : a.graph_id, name: a.name, graphId: a.graph_id, stored, version: a.version };
}

/** The graphs and the stored assistants (up to 100), through the SDK's assistant search. */
export function useAssistants(): { choices: AssistantChoice[]; error: string | null } {
  const { client, apiKey } = useApp();
  const changed = useSyncExternalStore(subscribe, () => version);
  const [choices, setChoices] = useState<AssistantChoice[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client.assistants
      .search({ limit: 100 })
      .then((found) => live && (setChoices(found.map(toChoice)), setError(null)))
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [apiKey, changed]); // eslint-disable-line react-hooks/exhaustive-deps
  return { choices, error };
}

/** How a choice reads in a list: stored ones with their version. */
export function choiceLabel(c: AssistantChoice): string {
  return c.stored ? `${c.name} (${c.graphId}, v${c.version})` : c.name;
}
