// Shape: the manifest's auth with `store` handlers, as on LangGraph's platform. Every identity is in
// one tenant, so they share the store, and the handlers keep them apart: a put is stamped with its
// writer (value.owner), every other store action sees only the caller's own items, namespaces are
// listed where the caller's identity is a label, and ["private", <someone else>] is refused outright.
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

const TOKENS: Record<string, string> = { "token-alice": "alice", "token-bob": "bob" };

export const auth = new Auth()
  .authenticate(async (request) => {
    const identity = TOKENS[(request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "")];
    if (!identity) throw new HTTPException(401, { message: "Unknown token" });
    return identity;
  })
  .on("store:put", ({ value, user }) => {
    if (value.namespace[0] === "private" && value.namespace[1] !== user.identity) throw new HTTPException(403, { message: "Not your private space" });
    value.value.owner = user.identity;
    return { owner: user.identity };
  })
  .on("store:list_namespaces", ({ user }) => ({ namespace: { $contains: user.identity } }))
  .on("store", ({ value, user }) => {
    if (value.namespace?.[0] === "private" && value.namespace[1] !== user.identity) throw new HTTPException(403, { message: "Not your private space" });
    return { owner: user.identity };
  });
