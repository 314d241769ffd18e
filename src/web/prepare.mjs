// `npm ci` builds the web app (the `prepare` script). An install without dev dependencies
// (`npm ci --omit=dev`) has no Vite: it then says so and goes on, rather than failing the install;
// `/` answers 503 until `npm run build:web` has run where Vite is installed.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

try {
  createRequire(import.meta.url).resolve("vite/package.json");
} catch {
  console.warn("threadloom: the web app is not built: Vite is not installed (an install without dev dependencies). Run `npm run build:web` where it is.");
  process.exit(0);
}
const built = spawnSync("npm", ["run", "build:web"], { stdio: "inherit" });
process.exit(built.status ?? 1);
