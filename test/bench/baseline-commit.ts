/**
 * The commit issue 15 starts from, measured beside this checkout in the same run: its tree is
 * exported (`git archive`, so the repository's worktrees and branches are left alone) into the
 * bench's temp dir, with this checkout's node_modules linked in (its package.json may be older;
 * the service runs on today's dependencies either way), and services.ts runs its `src/main.ts`.
 *
 *   BENCH_BASELINE  a git revision (default e3dffe7); 0 skips the comparison
 */
import { execFileSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";

/** The commit issue 15 starts from. */
export const DEFAULT_BASELINE = "e3dffe7";
export const BASELINE_REV = process.env.BENCH_BASELINE ?? DEFAULT_BASELINE;
export const baselineWanted = (): boolean => BASELINE_REV !== "0" && BASELINE_REV !== "";

export interface BaselineTree {
  /** The revision as given, and the commit it names. */
  rev: string;
  sha: string;
  subject: string;
  /** Where its files are. */
  dir: string;
}

const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();

/** Writes the tree of `rev` into `tempDir/baseline-<sha>` and links node_modules into it. */
export async function exportBaseline(rev: string, tempDir: string): Promise<BaselineTree> {
  let sha: string;
  try {
    sha = git("rev-parse", "--verify", "--quiet", `${rev}^{commit}`);
  } catch {
    throw new Error(`BENCH_BASELINE=${rev} names no commit of this repository (BENCH_BASELINE=0 skips the comparison)`);
  }
  const dir = path.join(tempDir, `baseline-${sha.slice(0, 12)}`);
  await mkdir(dir, { recursive: true });
  // sha is 40 hex digits and dir is ours: nothing here is interpreted by the shell but the pipe.
  execFileSync("sh", ["-c", `git archive --format=tar ${sha} | tar -x -C "${dir}"`], { stdio: ["ignore", "ignore", "inherit"] });
  await symlink(path.resolve("node_modules"), path.join(dir, "node_modules"), "dir");
  const subject = git("log", "-1", "--format=%s", sha);
  return { rev, sha, subject: subject.length > 60 ? `${subject.slice(0, 59)}…` : subject, dir };
}
