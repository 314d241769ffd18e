import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StartupError } from "../startup-error.js";
import { claimDataDir } from "./data-dir-owner.js";
import { processStartTime } from "./process-info.js";

describe("claimDataDir", () => {
  let dir = "";
  let other: ChildProcess | undefined;
  const notices: string[] = [];
  const options = { waitMs: 300, onNotice: (m: string) => void notices.push(m) };
  const record = (pid: number, stopping: boolean) => JSON.stringify({ pid, startTime: processStartTime(pid), stopping });
  const owner = async () => JSON.parse(await readFile(path.join(dir, "owner.json"), "utf8"));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-owner-"));
    notices.length = 0;
    other = spawn("sleep", ["30"], { stdio: "ignore" });
  });
  afterEach(async () => {
    other?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  // Proves the record names this process, says when its shutdown began, and goes with release().
  it("records this process, marks it stopping, and removes the record on release", async () => {
    const claim = await claimDataDir(dir, options);
    expect(await owner()).toEqual({ pid: process.pid, startTime: processStartTime(process.pid), stopping: false });
    claim.markStopping();
    expect(await owner()).toMatchObject({ pid: process.pid, stopping: true });
    await claim.release();
    await expect(readFile(path.join(dir, "owner.json"))).rejects.toThrow(/ENOENT/);
  });

  // Proves a record whose process is gone (or a pid reused by a later process) or that cannot be
  // read is taken over.
  it.each([
    ["a process that is gone", () => JSON.stringify({ pid: 2 ** 22 + 17, startTime: "1", stopping: false })],
    ["a pid now another process's", () => JSON.stringify({ pid: other!.pid, startTime: "1", stopping: false })],
    ["no JSON", () => "{\"pid\": 12"],
  ])("takes over a record of %s", async (_, content) => {
    await writeFile(path.join(dir, "owner.json"), content());
    const claim = await claimDataDir(dir, options);
    expect(await owner()).toMatchObject({ pid: process.pid });
    await claim.release();
  });

  // Proves a live owner is a one-line error naming it; one that is stopping is waited for, once said.
  it("refuses a live owner, and waits a bounded time for one that is stopping", async () => {
    await writeFile(path.join(dir, "owner.json"), record(other!.pid!, false));
    const refused = await claimDataDir(dir, options).catch((err) => err);
    expect(refused).toBeInstanceOf(StartupError);
    expect(refused.message).toBe(`${dir} is in use by threadloom (pid ${other!.pid}); stop it first, or set DATA_DIR or DATABASE_URL`);

    await writeFile(path.join(dir, "owner.json"), record(other!.pid!, true));
    const waited = await claimDataDir(dir, options).catch((err) => err);
    expect(waited.message).toMatch(new RegExp(`is still in use by threadloom \\(pid ${other!.pid}\\), which began stopping`));
    expect(notices).toEqual([`${dir} is used by threadloom (pid ${other!.pid}), which is stopping: waiting up to 1 s for it`]);

    const claiming = claimDataDir(dir, { ...options, waitMs: 30_000 });
    other!.kill();
    const claim = await claiming;
    expect(await owner()).toMatchObject({ pid: process.pid });
    await claim.release();
  });
});
