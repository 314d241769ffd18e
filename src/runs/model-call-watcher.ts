import { BaseCallbackHandler } from "@langchain/core/callbacks/base";

/**
 * Tells a run when a model call starts and ends, so the idle timeout covers only the model: a
 * slow tool is not a silent model. It has no per-token method, so tokens cost it nothing.
 */
export class ModelCallWatcher extends BaseCallbackHandler {
  name = "threadloom-model-call-watcher";
  // Its work is synchronous and tiny: run it in order, not in the background queue.
  awaitHandlers = true;
  /** Whether the last model call to end ended in an error: the run's failure is then the model's. */
  lastCallFailed = false;
  private calls = 0;

  constructor(private readonly onChange: (inFlight: boolean) => void) {
    super();
  }

  get inFlight(): boolean {
    return this.calls > 0;
  }

  handleChatModelStart(): void {
    this.calls++;
    this.lastCallFailed = false;
    this.onChange(true);
  }

  handleLLMEnd(): void {
    this.done();
  }

  handleLLMError(): void {
    this.lastCallFailed = true;
    this.done();
  }

  private done(): void {
    this.calls = Math.max(0, this.calls - 1);
    this.onChange(this.calls > 0);
  }
}
