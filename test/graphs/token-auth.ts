// Shape: the manifest's auth (auth.path): an Auth of @langchain/langgraph-sdk/auth over a table of
// bearer tokens. Each identity's threads carry its team (stamped on create), and it sees only its
// team's; assistants carry their creator (stamped), and each identity sees only its own.
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

type User = { identity: string; team: string; permissions: string[]; org_id?: string };

export const TOKENS: Record<string, User> = {
  "token-alice-red": { identity: "alice", team: "red", permissions: ["read", "write"] },
  "token-alice-blue": { identity: "alice", team: "blue", permissions: ["read", "write"] },
  "token-alice-reader": { identity: "alice", team: "red", permissions: ["read"] },
  "token-bob": { identity: "bob", team: "red", permissions: ["read", "write", "delete"] },
  "token-carol-acme": { identity: "carol", team: "red", permissions: ["read", "write"], org_id: "acme" },
};

const writes = (permissions: string[]) => permissions.includes("write");

export const auth = new Auth()
  .authenticate(async (request) => {
    const authorization = request.headers.get("authorization");
    if (!authorization) {
      throw new HTTPException(401, { message: "Send Authorization: Bearer <token>", headers: { "WWW-Authenticate": 'Bearer realm="tokens"' } });
    }
    const user = TOKENS[authorization.replace(/^Bearer\s+/i, "")];
    if (!user) throw new HTTPException(401, { message: "Unknown token", headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
    return user;
  })
  .on("threads:create", ({ value, user, permissions }) => {
    if (!writes(permissions)) return false;
    value.metadata ??= {};
    value.metadata.team = user.team;
  })
  .on("threads:create_run", ({ value, user, permissions }) => {
    if (!writes(permissions)) return false;
    value.metadata ??= {};
    value.metadata.team = user.team;
    return { team: user.team };
  })
  .on("threads:delete", ({ user, permissions }) => {
    if (!permissions.includes("delete")) throw new HTTPException(403, { message: "Deleting a thread takes the delete permission" });
    return { team: user.team };
  })
  .on("threads", ({ user }) => ({ team: { $eq: user.team } }))
  .on("assistants:create", ({ value, user }) => {
    value.metadata ??= {};
    value.metadata.owner = user.identity;
  })
  .on("assistants", ({ user }) => ({ owner: user.identity }));
