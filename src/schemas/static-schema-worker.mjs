// The worker thread that reads graphs' schemas from their types (extract-static-schemas.ts). Plain
// JavaScript, loading the TypeScript through tsx's API: a worker starts without the parent's module
// loader under vitest, and with it under `node --import tsx`; this file runs the same in both.
import { parentPort, workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { extractStaticSchemas } = await tsImport("./extract-static-schemas.ts", import.meta.url);
parentPort.postMessage(extractStaticSchemas(workerData.targets, workerData.projectRoot));
