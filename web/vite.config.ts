import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { defineConfig, type Plugin } from "vite";
import { earlyWatchScript } from "./src/boot/early-watch.js";

// The browser app. `npm run build:web` writes web/dist, which the gateway
// serves at /; `./dev.sh web` runs this dev server with the API proxied to
// the running gateway (XTREAM_GATEWAY_URL).
const gateway = process.env.XTREAM_GATEWAY_URL ?? "http://127.0.0.1:8080";
const apiPrefixes = ["/xtream.", "/app-config.json", "/healthz"];

/**
 * The generated files import buf/validate/validate.proto only for the rule
 * options on their fields, which the server enforces; the browser never reads
 * them. Its descriptor is 71 KB of base64 (a quarter of the app's JS) that
 * every page would decode at start-up, so the app gets an empty file of the
 * same name instead: the imports still resolve, and the rules stay unknown
 * option bytes nobody looks at.
 */
function emptyValidateProto(): Plugin {
  const stubId = "\0xtream:buf-validate-stub";
  const empty = create(FileDescriptorProtoSchema, { name: "buf/validate/validate.proto", package: "buf.validate", syntax: "proto2" });
  const b64 = base64Encode(toBinary(FileDescriptorProtoSchema, empty));
  return {
    name: "xtream:empty-validate-proto",
    enforce: "pre",
    resolveId: (source) => (source.endsWith("/buf/validate/validate_pb.js") ? stubId : null),
    load: (id) =>
      id === stubId ? `import { fileDesc } from "@bufbuild/protobuf/codegenv2";\nexport const file_buf_validate_validate = /*@__PURE__*/ fileDesc(${JSON.stringify(b64)});\n` : null,
  };
}

/** index.html gets the early-watch inline script (see src/boot/early-watch.ts). */
function earlyWatch(): Plugin {
  return {
    name: "xtream:early-watch",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === "chunk" && c.name.startsWith("hls"));
        if (!chunk) return html; // the dev server: no chunks, and no early start
        // Right after <meta charset>, ahead of the stylesheet: an inline script
        // after a stylesheet would wait for it.
        const script = `<script>${earlyWatchScript(`/${chunk.fileName}`)}</script>`;
        const withScript = html.replace(/(<meta charset="[^"]*"\s*\/?>)/i, `$1\n    ${script}`);
        // main.tsx imports the app's chunk dynamically: fetch it with the entry.
        const app = Object.values(ctx.bundle ?? {}).find((c) => c.type === "chunk" && c.facadeModuleId?.endsWith("/src/start.tsx"));
        return app ? withScript.replace("</head>", `  <link rel="modulepreload" crossorigin href="/${app.fileName}">\n  </head>`) : withScript;
      },
    },
  };
}

export default defineConfig({
  plugins: [emptyValidateProto(), earlyWatch()],
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
