/** One measured run: the load, and what each process on the machine spent on it. */
import type { BenchDatabase } from "./bench-database.js";
import { runLoad, type LoadResult, type Target } from "./load.js";
import { cpuMs, machineCpuMs, runQueueWaitMs, treeCpuMs, type Child } from "./processes.js";
import type { Resources } from "./report.js";
import type { Services } from "./services.js";

export interface Processes {
  services: Services;
  model: Child;
  db: BenchDatabase;
}

export async function measure(target: Target, concurrency: number, turns: number, procs: Processes, turnsPerThread = 1): Promise<{ load: LoadResult; resources: Resources }> {
  const before = snapshot(procs);
  const load = await runLoad(target, concurrency, turns, turnsPerThread);
  const after = snapshot(procs);
  const per = (k: "service" | "serviceWait" | "model" | "client") => (after[k] - before[k]) / turns;
  const postgres = after.postgres === null || before.postgres === null ? null : after.postgres - before.postgres;
  const ours = after.service - before.service + (after.model - before.model) + (after.client - before.client) + (postgres ?? 0);
  const mem = procs.services.memoryMiB();
  return {
    load,
    resources: {
      serviceCpuMsPerTurn: per("service"),
      serviceRunQueueMsPerTurn: per("serviceWait"),
      postgresCpuMsPerTurn: postgres === null ? null : postgres / turns,
      modelCpuMsPerTurn: per("model"),
      clientCpuMsPerTurn: per("client"),
      serviceCores: (after.service - before.service) / load.wallMs,
      machineCores: (after.machine - before.machine) / load.wallMs,
      otherCores: (after.machine - before.machine - ours) / load.wallMs,
      serviceRssMiB: mem.rss,
      servicePeakMiB: mem.peak,
    },
  };
}

function snapshot({ services, model, db }: Processes) {
  const usage = process.cpuUsage();
  const pids = services.children.map((c) => c.pid);
  const total = (f: (pid: number) => number) => pids.reduce((n, pid) => n + f(pid), 0);
  return {
    service: total((pid) => cpuMs(pid)),
    serviceWait: total(runQueueWaitMs),
    machine: machineCpuMs(),
    model: cpuMs(model.pid),
    postgres: db.postmasterPid === null ? null : treeCpuMs(db.postmasterPid),
    client: (usage.user + usage.system) / 1000,
  };
}
