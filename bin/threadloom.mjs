#!/usr/bin/env node
// Plain JavaScript so that `npx threadloom` can start it; the client itself is TypeScript, run through
// tsx in this process as `npm start` runs the service (no child process: Ctrl-C stays ours).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
