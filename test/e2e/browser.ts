import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { vi } from "vitest";
import { CHROMIUM } from "./browser-skip.js";

export { browserSkipReason, CHROMIUM } from "./browser-skip.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEB_SRC = join(ROOT, "src", "web");
const WEB_INDEX = join(ROOT, "dist", "web", "index.html");
export const SCREENSHOT_DIR = join(ROOT, "test", "e2e", "__screenshots__");

/**
 * How long one step of a browser test may wait for the page. Generous: CI runs these beside a second
 * test suite on two cores, where a page that answers in 100 ms alone can take seconds; a step that
 * never happens still fails, and says which. The tests of a file that imports this module get
 * matching time in all.
 */
export const STEP_TIMEOUT_MS = 20_000;
// Only inside vitest: the bench drives the browser with these helpers too.
if (process.env.VITEST) vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

// As the machine's probe starts it: no sandbox (root), no GPU, and nothing that calls out of this
// closed network (Chromium's background connections would be refused, many at a time).
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The page as `npm ci` builds it; built again when its sources changed since (a developer's edit). */
export function ensureWebBuilt(): void {
  if (existsSync(WEB_INDEX) && statSync(WEB_INDEX).mtimeMs >= newestMtime(WEB_SRC)) return;
  execFileSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: "inherit" });
}

export interface PageErrors {
  /** Uncaught exceptions, console errors and CSP violations the page reported. */
  list: string[];
}

/**
 * A fresh context (its own storage) and page on `url`, collecting what went wrong in it: a test
 * ends with `expect(errors.list).toEqual([])` unless it provokes errors on purpose.
 */
export async function openPage(browser: Browser, url: string, options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}): Promise<{ context: BrowserContext; page: Page; errors: PageErrors }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1360, height: 860 }, colorScheme: options.colorScheme ?? "light", acceptDownloads: true });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const errors: PageErrors = { list: [] };
  page.on("pageerror", (err) => errors.list.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.list.push(`console: ${msg.text()}`);
  });
  await page.goto(url);
  return { context, page, errors };
}

/** Saves `<test file>/<NN-step>.png` under test/e2e/__screenshots__ (git-ignored) for someone to look at. */
export function screenshots(testFile: string) {
  const dir = join(SCREENSHOT_DIR, basename(testFile).replace(/\.test\.ts$/, ""));
  mkdirSync(dir, { recursive: true });
  let step = 0;
  return async (page: Page, name: string, options: { fullPage?: boolean } = {}) => {
    step += 1;
    await page.screenshot({ path: join(dir, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: options.fullPage ?? false });
  };
}
