import { createInterface, type Interface } from "node:readline";

type KeypressListener = (text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => void;

/**
 * The keyboard, through Node's readline (line editing, history). Ctrl-C clears a typed line, quits
 * at an empty prompt, and while a run streams stops the run instead; Ctrl-D quits. From a pipe,
 * lines are read one by one, each after the previous turn has finished.
 */
export class LineInput {
  readonly terminal: boolean;
  private readonly rl: Interface;
  private readonly lines: AsyncIterator<string>;
  private stopRun: (() => void) | null = null;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    output: NodeJS.WriteStream = process.stdout,
  ) {
    this.terminal = Boolean(input.isTTY && output.isTTY);
    this.rl = createInterface({ input, output, terminal: this.terminal, historySize: 500 });
    this.lines = this.rl[Symbol.asyncIterator]();
    this.rl.on("SIGINT", () => this.interrupted());
    // Without a terminal in raw mode, Ctrl-C is a signal, not a key.
    if (!this.terminal) process.on("SIGINT", this.interrupted);
  }

  /** The next line typed after `prompt` (pre-filled with `text`, to edit), or null once input ends. */
  async ask(prompt: string, options: { text?: string; quiet?: boolean } = {}): Promise<string | null> {
    if (this.terminal) {
      this.rl.setPrompt(prompt);
      this.rl.prompt();
      if (options.text) this.rl.write(options.text);
    } else if (!options.quiet) {
      process.stdout.write(prompt);
    }
    const next = await this.lines.next();
    return next.done ? null : next.value;
  }

  /**
   * Runs `work` with the keyboard taken from line editing, so typing cannot garble the reply being
   * drawn: only Ctrl-C counts, and calls `stop`.
   */
  async whileRunning<T>(stop: () => void, work: () => Promise<T>): Promise<T> {
    this.stopRun = stop;
    const restore = this.terminal ? this.holdKeys(stop) : () => {};
    try {
      return await work();
    } finally {
      restore();
      this.stopRun = null;
    }
  }

  close(): void {
    process.off("SIGINT", this.interrupted);
    this.rl.close();
  }

  private readonly interrupted = (): void => {
    if (this.stopRun) return this.stopRun();
    if (this.terminal && this.rl.line !== "") {
      this.rl.write(null, { ctrl: true, name: "e" });
      this.rl.write(null, { ctrl: true, name: "u" });
      return;
    }
    this.rl.close();
  };

  // readline listens to the input's keypress events; they are set aside for the run and put back after.
  private holdKeys(stop: () => void): () => void {
    const saved = this.input.listeners("keypress") as KeypressListener[];
    this.input.removeAllListeners("keypress");
    const onKey: KeypressListener = (_text, key) => {
      if (key?.ctrl && key.name === "c") stop();
    };
    this.input.on("keypress", onKey);
    return () => {
      this.input.off("keypress", onKey);
      for (const listener of saved) this.input.on("keypress", listener);
    };
  }
}
