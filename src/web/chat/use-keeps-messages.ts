import { useEffect, useState } from "react";
import { useApp } from "../shell/app-context";

const known = new Map<string, boolean>();

/**
 * Whether the assistant's graph keeps a conversation: its state schema has a key marked
 * `langgraph_type: "messages"` (`GET /assistants/:id/schemas`). Unknown (null) while it loads or when
 * the schema cannot tell; the chat then assumes messages, the common case.
 */
export function useKeepsMessages(assistantId: string): boolean | null {
  const { client } = useApp();
  const [value, setValue] = useState<boolean | null>(() => known.get(assistantId) ?? null);
  useEffect(() => {
    let live = true;
    if (known.has(assistantId)) {
      setValue(known.get(assistantId)!);
      return;
    }
    setValue(null);
    client.assistants
      .getSchemas(assistantId)
      .then((schemas) => {
        const props = (schemas.state_schema as { properties?: Record<string, { langgraph_type?: string }> } | null)?.properties;
        if (!props) return;
        const keeps = Object.values(props).some((p) => p?.langgraph_type === "messages");
        known.set(assistantId, keeps);
        if (live) setValue(keeps);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // The client changes identity with every route change; the assistant is what matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [assistantId]);
  return value;
}
