import type { Assistant as SdkAssistant, GraphSchema } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "react";
import { useApp } from "../shell/app-context";

export interface EditableAssistant {
  assistant: SdkAssistant;
  schemas: GraphSchema;
  /** A stored assistant (PATCH makes a version); otherwise a graph's built-in defaults (read-only). */
  stored: boolean;
}

/** The assistant `id` names (a graph id or a stored one's UUID) with its graph's schemas, through the SDK. */
export function useEditableAssistant(id: string | null): { loaded: EditableAssistant | null; error: string | null; replace(a: SdkAssistant): void } {
  const { client, apiKey } = useApp();
  const [loaded, setLoaded] = useState<(EditableAssistant & { id: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setLoaded(null);
    setError(null);
    if (!id) return;
    let live = true;
    Promise.all([client.assistants.get(id), client.assistants.getSchemas(id)])
      .then(([assistant, schemas]) => live && setLoaded({ id, assistant, schemas, stored: assistant.metadata?.created_by !== "system" }))
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [id, apiKey]); // eslint-disable-line react-hooks/exhaustive-deps
  return { loaded: loaded?.id === id ? loaded : null, error, replace: (assistant) => setLoaded((l) => l && { ...l, assistant }) };
}
