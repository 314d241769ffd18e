const FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const SGR = { dim: [2, 22], bold: [1, 22], red: [31, 39], green: [32, 39], cyan: [36, 39], yellow: [33, 39] } as const;

export type Paint = keyof typeof SGR;

/**
 * Where the client writes. On a terminal (and without NO_COLOR): colours and a spinner; otherwise
 * (a pipe, a file, NO_COLOR) plain text with no escape code at all, so the output can be saved or
 * read by a script as it is.
 */
export class TerminalOutput {
  private atLineStart = true;
  private spinner: { timer: NodeJS.Timeout; text: string; frame: number } | null = null;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly fancy: boolean,
  ) {}

  static for(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): TerminalOutput {
    return new TerminalOutput(stream, Boolean(stream.isTTY) && !env.NO_COLOR);
  }

  paint(style: Paint, text: string): string {
    if (!this.fancy) return text;
    const [on, off] = SGR[style];
    return `\x1b[${on}m${text}\x1b[${off}m`;
  }

  /** Text as it comes (a reply's tokens), on the current line. */
  write(text: string): void {
    if (text === "") return;
    this.clearSpinner();
    this.stream.write(text);
    this.atLineStart = text.endsWith("\n");
  }

  /** A line of its own: after a newline if the current line has text. */
  line(text = ""): void {
    this.endLine();
    this.write(`${text}\n`);
  }

  endLine(): void {
    if (!this.atLineStart) this.write("\n");
  }

  /** Shows `text` after a spinning frame until stopSpinner (only on a terminal). */
  startSpinner(text: string): void {
    this.stopSpinner();
    if (!this.fancy) return;
    this.endLine();
    const timer = setInterval(() => this.drawSpinner(), 80);
    timer.unref();
    this.spinner = { timer, text, frame: 0 };
    this.drawSpinner();
  }

  stopSpinner(): void {
    if (!this.spinner) return;
    clearInterval(this.spinner.timer);
    this.spinner = null;
    this.stream.write("\r\x1b[2K");
  }

  private drawSpinner(): void {
    const s = this.spinner!;
    this.stream.write(`\r\x1b[2K${this.paint("cyan", FRAMES[s.frame++ % FRAMES.length])} ${this.paint("dim", s.text)}`);
  }

  private clearSpinner(): void {
    if (this.spinner) this.stopSpinner();
  }
}
