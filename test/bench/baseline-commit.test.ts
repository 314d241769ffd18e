/** The baseline commit's tree, exported beside the bench and runnable on this checkout's node_modules. */
import { existsSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BASELINE, exportBaseline } from "./baseline-commit.js";

const tempDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-baseline-test-"));
afterAll(() => rm(tempDir, { recursive: true, force: true }));

describe("exportBaseline", () => {
  it("writes the commit's tree and links node_modules into it", async () => {
    const tree = await exportBaseline(DEFAULT_BASELINE, tempDir);
    expect(tree.sha).toMatch(/^e3dffe7[0-9a-f]{33}$/);
    expect(existsSync(path.join(tree.dir, "src", "main.ts"))).toBe(true);
    expect(existsSync(path.join(tree.dir, "langgraph.json"))).toBe(true);
    expect(readlinkSync(path.join(tree.dir, "node_modules"))).toBe(path.resolve("node_modules"));
  });

  it("refuses a revision that names no commit, saying how to skip", async () => {
    await expect(exportBaseline("no-such-rev-0123", tempDir)).rejects.toThrow(/names no commit.*BENCH_BASELINE=0/);
  });
});
