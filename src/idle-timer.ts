/**
 * Calls `onIdle` once nothing has touched it for `ms`. Touching is a clock read rather than a new
 * timer, because it happens for every token of every stream.
 */
export class IdleTimer {
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  /** (Re)starts the countdown from now. */
  start(): void {
    this.last = performance.now();
    if (this.timer === undefined) this.schedule(this.ms);
  }

  touch(): void {
    this.last = performance.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      const idle = performance.now() - this.last;
      if (idle < this.ms) return this.schedule(this.ms - idle);
      this.timer = undefined;
      this.onIdle();
    }, delay);
  }
}
