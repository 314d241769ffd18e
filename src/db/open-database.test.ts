import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./open-database.js";

describe("openDatabase on its own embedded PostgreSQL", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  // Proves the pool's connections are closed before the server is stopped: a connection still open
  // when it stops is told "terminating connection due to administrator command", an error log.
  it("closes without logging an error, however many connections the pool holds", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-open-db-"));
    dirs.push(dir);
    await chmod(dir, 0o755);
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    for (let round = 0; round < 3; round++) {
      const db = await openDatabase({ dataDir: dir, poolMax: 20, logger });
      const clients = await Promise.all(Array.from({ length: 20 }, () => db.pool.connect()));
      for (const client of clients) client.release();
      await db.close();
    }
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  }, 60_000);
});
