import { existsSync } from "node:fs";

// Apart from browser.ts, which configures vitest: the global setup reads this to say why the browser
// tests are skipped, and vitest cannot be configured from there.

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Why the browser tests do not run here, or null when they do. Against TEST_DATABASE_URL they are
 * left out unless E2E_ANY_DATABASE=1: they test the page, which no database changes, and CI's pass on
 * the system PostgreSQL runs beside the embedded one on a 2-core machine.
 */
export const browserSkipReason: string | null = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
  : process.env.TEST_DATABASE_URL && process.env.E2E_ANY_DATABASE !== "1"
    ? "they run in the embedded PostgreSQL pass (TEST_DATABASE_URL is set; E2E_ANY_DATABASE=1 runs them too)"
    : null;

