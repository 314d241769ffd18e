import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";

describe("withFileLock", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-file-lock-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const gone = (file: string) => access(file).then(() => false, () => true);

  it("lets one holder work at a time, and removes the file after", async () => {
    const lock = path.join(dir, "one.lock");
    const seen: string[] = [];
    let release!: () => void;
    const first = withFileLock(lock, 60_000, async () => {
      seen.push("first starts");
      await new Promise<void>((resolve) => (release = resolve));
      seen.push("first ends");
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = withFileLock(lock, 60_000, async () => void seen.push("second starts"));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(seen).toEqual(["first starts"]);
    release();
    await Promise.all([first, second]);
    expect(seen).toEqual(["first starts", "first ends", "second starts"]);
    expect(await gone(lock)).toBe(true);
  });

  it("takes over a lock whose holder is dead", async () => {
    const lock = path.join(dir, "dead.lock");
    // Above Linux's largest pid: no such process.
    await writeFile(lock, "99999999 someone-else");
    expect(await withFileLock(lock, 60_000, async () => "mine")).toBe("mine");
    expect(await gone(lock)).toBe(true);
  });

  it("lets go when the work fails", async () => {
    const lock = path.join(dir, "failing.lock");
    await expect(withFileLock(lock, 60_000, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gone(lock)).toBe(true);
  });
});
