import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { escapeRegExp } from "./escape-reg-exp.js";

const BIN = fileURLToPath(new URL("../../bin/threadloom.mjs", import.meta.url));
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** What a person sees: the output without escape codes and carriage returns. */
export const screenText = (raw: string) => raw.replace(ESCAPES, "").replace(/\r/g, "");

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * `threadloom chat` as a person runs it: in a real pseudo-terminal (util-linux `script`, on every
 * Debian machine, no native module) or, with `tty: false`, with its output piped. Keys are typed
 * into the terminal as bytes (`\r` is Enter, `\x03` Ctrl-C, `\x04` Ctrl-D).
 */
export class TerminalSession {
  raw = "";
  private cursor = 0;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;
  private waiters = new Set<() => void>();

  constructor(args: string[], options: { env: Record<string, string>; cwd: string; tty: boolean }) {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm", ...options.env };
    const command = [process.execPath, BIN, "chat", ...args];
    this.child = options.tty
      ? spawn("script", ["-qfec", command.map(quote).join(" "), "/dev/null"], { env, cwd: options.cwd })
      : spawn(command[0], command.slice(1), { env, cwd: options.cwd });
    const collect = (chunk: Buffer) => {
      this.raw += chunk.toString("utf8");
      for (const wake of this.waiters) wake();
    };
    this.child.stdout.on("data", collect);
    this.child.stderr.on("data", collect);
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => {
      resolve(code);
      for (const wake of this.waiters) wake();
    }));
  }

  get text(): string {
    return screenText(this.raw);
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  /**
   * Waits until `pattern` shows after what earlier calls matched, and returns the match. Gives up
   * (a hang guard, not a timing check) with what the terminal shows, for the failure message.
   */
  async next(pattern: RegExp | string, giveUpMs = 15_000): Promise<RegExpExecArray> {
    const regex = typeof pattern === "string" ? new RegExp(escapeRegExp(pattern)) : pattern;
    const giveUpAt = Date.now() + giveUpMs;
    for (;;) {
      const rest = this.text.slice(this.cursor);
      const match = regex.exec(rest);
      if (match) {
        this.cursor += match.index + match[0].length;
        return match;
      }
      if (this.child.exitCode !== null) throw new Error(`the client exited (${this.child.exitCode}) before ${regex} showed; it printed:\n${this.text}`);
      if (Date.now() > giveUpAt) throw new Error(`${regex} did not show; after the last match the terminal shows:\n${rest}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  /** Everything after what was last matched. */
  get rest(): string {
    return this.text.slice(this.cursor);
  }

  exit(): Promise<number | null> {
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
