import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The browser app. `npm run build:web` writes web/dist, which the gateway
// serves at /; `./dev.sh web` runs this dev server with the API proxied to
// the running gateway (XTREAM_GATEWAY_URL).
const gateway = process.env.XTREAM_GATEWAY_URL ?? "http://127.0.0.1:8080";
const apiPrefixes = ["/xtream.", "/app-config.json", "/healthz"];

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // The generated protobuf-es code lives in ../gen.
  resolve: { alias: { "@gen": fileURLToPath(new URL("../gen", import.meta.url)) } },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // hls.js is loaded lazily, as its own chunk: the home page never needs it.
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.XTREAM_WEB_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, { target: gateway, changeOrigin: false }])),
  },
});
