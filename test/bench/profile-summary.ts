/**
 * Summarises a V8 `.cpuprofile` (from `BENCH_CPU_PROF=dir npm run bench`): where the CPU went by
 * activity of a turn, by package (self time, and inclusive time: a sample counts once for each
 * package on its stack), and the top functions by self and by inclusive time.
 *
 *   npx tsx test/bench/profile-summary.ts <file.cpuprofile> [top=25]
 *
 * DEBUG_OTHER=1 also lists the leaf frames of what no activity rule matched.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

/** The package (or our own top-level folder) a frame belongs to. */
function category(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/builtin)";
  if (url.startsWith("node:")) return "node:internal";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const own = /\/(src|graphs|test)\/(.*?)(\/[^/]*)?$/.exec(url);
  return own ? `threadloom ${own[1]}/${own[2].split("/")[0]}` : url;
}

/**
 * Activities a turn is made of. Subsystems (the first list) own their whole subtree: a socket write
 * under PostgresSaver.put is checkpointing. The rest go to the leaf-most frame that matches.
 */
const SUBSYSTEMS: [RegExp, string][] = [
  [/checkpoint-postgres\/dist\/index\.js:(319|32\d|33\d|34\d) /, "checkpoint: PostgresSaver.put"],
  [/checkpoint-postgres\/dist\/index\.js:(358|36\d|37\d) /, "checkpoint: PostgresSaver.putWrites"],
  [/checkpoint-postgres\/dist\/index\.js:(218|2[2-5]\d) /, "checkpoint: PostgresSaver.getTuple"],
  [/\/src\/(conversations\/|runs\/run-repository|db\/queryable)/, "threadloom SQL (thread, run slot, mirror)"],
  [/\/src\/(http\/open-sse|streaming\/encoders|streaming\/sse-frame)/, "SSE out: encode + res.write"],
  [/node:internal\/deps\/undici/, "fetch to the model (undici)"],
  // res.write corks the socket and flushes on the next tick, outside the caller's stack.
  [/node:_http_outgoing/, "SSE out: encode + res.write"],
];
const LEAF: [RegExp, string][] = [
  [/\/src\/streaming\/from-langgraph/, "threadloom event mapper"],
  [/\/(src|graphs)\//, "threadloom other"],
  [/langgraph-checkpoint\/dist\/serde/, "checkpoint serde"],
  [/node_modules\/openai\//, "OpenAI SDK (stream parsing)"],
  [/@langchain\/openai\//, "ChatOpenAI (chunk conversion)"],
  [/@langchain\/core\/dist\/(tracers|callbacks)|node_modules\/langsmith\//, "LangChain callbacks + tracers (streamEvents)"],
  [/@langchain\/core\/dist\/messages/, "LangChain messages (chunk concat)"],
  [/@langchain\/core\//, "LangChain core other (runnables, streams, config)"],
  [/@langchain\/langgraph\//, "LangGraph pregel loop"],
  [/node_modules\/(pg|pg-pool|pg-protocol|pg-types|postgres-array)\//, "pg driver (other queries)"],
  [/node_modules\/(express|router|body-parser|raw-body|pino-http|pino|type-is|zod)\/|node:_http_server/, "HTTP in: express, body, logging, validation"],
  [/node:internal\/async_hooks|node:async_hooks/, "async_hooks (AsyncLocalStorage)"],
  [/node:internal\/webstreams/, "web streams"],
];

function activity(stack: string[]): string {
  const leaf = stack[0];
  const special = /^\((garbage collector|program|idle)\)/.exec(leaf);
  if (special) return special[0];
  for (const [re, label] of SUBSYSTEMS) if (stack.some((f) => re.test(f))) return label;
  for (const f of stack) for (const [re, label] of LEAF) if (re.test(f)) return label;
  return "other (node internals, native)";
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const frameKey = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "");
  return `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`;
};

// Time per node (self), then walk each node's ancestry once.
const selfTime = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = Math.max(0, profile.timeDeltas[i] ?? 0) / 1000;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
});

const byActivity = new Map<string, number>();
const otherLeaves = new Map<string, number>();
const selfByCat = new Map<string, number>();
const inclByCat = new Map<string, number>();
const selfByFn = new Map<string, number>();
const inclByFn = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

for (const [id, t] of selfTime) {
  const node = byId.get(id)!;
  add(selfByCat, category(node.callFrame.url, node.callFrame.functionName), t);
  add(selfByFn, frameKey(node), t);
  const cats = new Set<string>();
  const fns = new Set<string>();
  const stack: string[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    cats.add(category(n.callFrame.url, n.callFrame.functionName));
    fns.add(frameKey(n));
    stack.push(`${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url}:${n.callFrame.lineNumber + 1} `);
  }
  add(byActivity, activity(stack), t);
  if (process.env.DEBUG_OTHER && activity(stack).startsWith("other")) add(otherLeaves, stack.slice(0, 3).join(" < "), t);
  for (const c of cats) add(inclByCat, c, t);
  for (const f of fns) add(inclByFn, f, t);
}

const idle = (selfByCat.get("(idle)") ?? 0);
const busy = total - idle;
const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)}%`;
const ms = (v: number) => `${v.toFixed(0).padStart(7)} ms`;
const list = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].filter(([k]) => k !== "(idle)" && !k.startsWith("(root)")).sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`  ${ms(v)} ${pct(v)}  ${k}`);
  }
};

console.log(`${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (not idle); percentages are of busy time`);
list("by activity (see SUBSYSTEMS and LEAF in this file)", byActivity, 30);
if (process.env.DEBUG_OTHER) list("other: leaf frames", otherLeaves, 40);
list("self time by package", selfByCat, 30);
list("inclusive time by package (a sample counts once per package on its stack)", inclByCat, 30);
list(`top ${top} functions by self time`, selfByFn, top);
list(`top ${top} functions by inclusive time`, inclByFn, top);
