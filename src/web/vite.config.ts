import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The service `npm run dev` proxies to (start it with `npm start` or `npm run dev:service`).
const service = process.env.THREADLOOM_URL ?? "http://127.0.0.1:3000";
// Every path of the service the page calls: our API, the Agent Server API, the SSE chat.
const API_PATHS = ["/api", "/threads", "/assistants", "/runs", "/store", "/info", "/chat", "/ui", "/healthz", "/readyz"];

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../../dist/web", import.meta.url)),
    emptyOutDir: true,
    // No inline <script> or data: module: the page's Content-Security-Policy allows neither.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    proxy: Object.fromEntries(API_PATHS.map((path) => [path, { target: service, changeOrigin: false }])),
  },
});
