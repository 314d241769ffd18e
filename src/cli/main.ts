import { parseArgs } from "node:util";
import { ChatSession } from "./chat-session.js";
import { LineInput } from "./line-input.js";
import { TerminalOutput } from "./terminal-output.js";
import { ThreadloomClient } from "./threadloom-client.js";

const USAGE = `Usage: threadloom chat [--url <url>] [--thread <id>] [--assistant <id>]
       threadloom rotate-secrets

chat: chat with a running threadloom service in the terminal.
  --url        the service (default: $THREADLOOM_URL, or http://127.0.0.1:3000)
  --thread     continue this thread (or start one with this id)
  --assistant  the graph or stored assistant to chat with (default: the thread's, or the service's)
API_KEY in the environment is sent as Authorization: Bearer.

rotate-secrets: re-encrypt every model provider's secrets with SECRETS_KEY, opening those
encrypted with a key of SECRETS_OLD_KEYS (DATABASE_URL or DATA_DIR as the service reads them).`;

function args() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { url: { type: "string" }, thread: { type: "string" }, assistant: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return null;
  }
}

const parsed = args();
const { values, positionals } = parsed ?? { values: {}, positionals: [] };

if (!values.help && positionals[0] === "rotate-secrets" && positionals.length === 1 && !values.url && !values.thread && !values.assistant) {
  // Imported only here: the chat client needs no database code.
  const { rotateSecretsCommand } = await import("./rotate-secrets-command.js");
  process.exitCode = await rotateSecretsCommand(process.env, process.stdout, process.stderr);
} else if (values.help || positionals[0] !== "chat" || positionals.length > 1) {
  (values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exitCode = values.help ? 0 : 2;
} else {
  const client = new ThreadloomClient(values.url ?? process.env.THREADLOOM_URL ?? "http://127.0.0.1:3000", process.env.API_KEY || undefined);
  const session = new ChatSession(client, new LineInput(), TerminalOutput.for(process.stdout), { threadId: values.thread, assistantId: values.assistant });
  await session.run();
  // fetch keeps idle connections open for seconds; the session is over, so the process is too.
  process.stdout.write("", () => process.exit());
}
