/**
 * The benchmark's embedded PostgreSQL, in a process of its own:
 *
 *   node --import tsx test/bench/database-server.ts <dataDir> [fast]
 *
 * Durable (PostgreSQL's defaults: fsync, synchronous_commit, full_page_writes on), as users run it;
 * `fast` turns those three off (BENCH_FAST=1), which is not what users run. Prints one JSON line `{"url": …}` when ready and stops the server on SIGTERM or SIGINT. A process
 * of its own, so that the benchmark's processes and the server's are measured apart.
 */
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: database-server.ts <dataDir> [fast]");
const server = await startEmbeddedPostgres({ dataDir, fast: process.argv[3] === "fast" });
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, clusterDir: server.clusterDir })}\n`);

const stop = () => void server.stop().catch(() => {}).finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
