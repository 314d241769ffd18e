import { describe, expect, it } from "vitest";
import { HEAP_BASE_BYTES, HEAP_PER_RUN_BYTES, heapShortfall } from "./heap-headroom.js";

describe("heapShortfall", () => {
  const MiB = 2 ** 20;

  it("is nothing while the runs fit, and names what they need past the limit", () => {
    // npm start's 1 GB holds the default 64 runs, and the 1,050 of the streams bench.
    expect(heapShortfall(64, 1024 * MiB)).toBeUndefined();
    expect(heapShortfall(1050, 1072 * MiB)).toBeUndefined();
    const fits = (1024 * MiB - HEAP_BASE_BYTES) / HEAP_PER_RUN_BYTES;
    expect(heapShortfall(fits, 1024 * MiB)).toBeUndefined();
    expect(heapShortfall(fits + 1, 1024 * MiB)).toEqual({ maxRuns: fits + 1, neededMiB: 1025, heapLimitMiB: 1024 });
  });

  it("reads this process's limit by default", () => {
    expect(heapShortfall(1)).toBeUndefined();
    expect(heapShortfall(10_000_000)?.heapLimitMiB).toBeGreaterThan(0);
  });
});
