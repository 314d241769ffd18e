import { afterEach, describe, expect, it, vi } from "vitest";
import { IdleTimer } from "./idle-timer.js";

describe("IdleTimer", () => {
  afterEach(() => vi.useRealTimers());

  // Fires once after `ms` without a touch; each touch pushes the deadline back.
  it("fires only after a full period without a touch", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const timer = new IdleTimer(100, onIdle);
    timer.start();
    vi.advanceTimersByTime(60);
    timer.touch();
    vi.advanceTimersByTime(60);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(40);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("never fires once stopped, and can be started again", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const timer = new IdleTimer(100, onIdle);
    timer.start();
    timer.stop();
    vi.advanceTimersByTime(500);
    expect(onIdle).not.toHaveBeenCalled();
    timer.start();
    vi.advanceTimersByTime(100);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
