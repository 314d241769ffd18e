import v8 from "node:v8";

/**
 * The heap a process running `maxRuns` runs at once should be allowed, against V8's limit. `npm start`
 * sets the limit (`--max-old-space-size`), for with a limit of 2 GB or more V8 lets its heap grow to
 * four times what is live before it collects it in full, and to less under a lower one (1.6 times
 * under 1 GB): 1,000 streams peaked at 1.2 GB of RSS on V8's default limit (4 GB on a 24 GB machine)
 * and at 0.7 GB under 1 GB, for the same CPU (README, *Memory with many open streams*). What is live:
 * about 80 MB idle and 150–230 KB a streaming run (150 tokens, measured); the budget here more than
 * doubles both, so only a limit that would really be short is named.
 */
export const HEAP_BASE_BYTES = 256 * 2 ** 20;
export const HEAP_PER_RUN_BYTES = 512 * 2 ** 10;

export interface HeapShortfall {
  maxRuns: number;
  neededMiB: number;
  heapLimitMiB: number;
}

/** The shortfall when `maxRuns` runs at once may need more heap than `heapLimitBytes` allows; undefined when they fit. */
export function heapShortfall(maxRuns: number, heapLimitBytes = v8.getHeapStatistics().heap_size_limit): HeapShortfall | undefined {
  const needed = HEAP_BASE_BYTES + maxRuns * HEAP_PER_RUN_BYTES;
  if (needed <= heapLimitBytes) return undefined;
  return { maxRuns, neededMiB: Math.ceil(needed / 2 ** 20), heapLimitMiB: Math.floor(heapLimitBytes / 2 ** 20) };
}
