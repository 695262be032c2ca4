import * as http from "node:http";
import * as http2 from "node:http2";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createGrpcServer, registerService, type GrpcServer } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { createEchoService } from "../lib/testing/index.ts";
import { createGateway, type Gateway } from "./server.ts";
import { createStaticSite, requestPath } from "./static-site.ts";

const logger = createLogger("static-site-test", "silent");
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-B7x9aQ.js"></script></head><body><div id="app"></div><noscript>${"Xtream needs JavaScript. ".repeat(12)}</noscript></body></html>`;
const SCRIPT = `export const hello = "world";\n`.repeat(200);
const CONFIG = { "/app-config.json": { body: JSON.stringify({ edgeUrl: "http://edge.test:8081" }) } };

let root: string;
let dist: string;
let backend: GrpcServer;
let backendPort: number;
const gateways: Gateway[] = [];
let baseUrl: string;

/** A raw HTTP/1.1 request: no decompression, no path normalisation. */
function request(url: string, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function startGateway(dir: string | undefined, revalidateMs = 0) {
  const backends = [{ service: EchoService, address: `127.0.0.1:${backendPort}` }];
  const webApp = await createStaticSite({ dir, virtualFiles: CONFIG, logger, revalidateMs });
  await webApp.settled();
  const gateway = createGateway({ backends, logger, corsOrigins: ["https://app.example"], webApp });
  gateways.push(gateway);
  return `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "xtream-static-"));
  dist = join(root, "dist");
  await mkdir(join(dist, "assets"), { recursive: true });
  await mkdir(join(dist, ".vite"), { recursive: true });
  await writeFile(join(dist, "index.html"), INDEX);
  await writeFile(join(dist, "assets", "index-B7x9aQ.js"), SCRIPT);
  await writeFile(join(dist, "assets", "index-Cq1.css"), "body{margin:0}");
  await writeFile(join(dist, "assets", "logo-D4.svg"), `<svg xmlns="http://www.w3.org/2000/svg">${"<g/>".repeat(100)}</svg>`);
  await writeFile(join(dist, "assets", "font-E5.woff2"), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  await writeFile(join(dist, "favicon.ico"), Buffer.from([0, 0, 1, 0]));
  await writeFile(join(dist, ".vite", "manifest.json"), "{}");
  await writeFile(join(dist, ".env"), "SECRET=1");
  await writeFile(join(root, "secret.txt"), "outside the site");
  await symlink(join(root, "secret.txt"), join(dist, "linked.txt"));
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  backendPort = await backend.listen("127.0.0.1", 0);
  baseUrl = await startGateway(dist);
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close(200);
  await backend.shutdown(1000);
  await rm(root, { recursive: true, force: true });
});

describe("the gateway serves the web app", () => {
  it("serves index.html at / uncached, with an ETag and nosniff", async () => {
    const response = await request(baseUrl, "/");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.body.toString()).toBe(INDEX);
    expect((await request(baseUrl, "/index.html")).body.toString()).toBe(INDEX);
  });

  it("caches hashed assets for a year, with the right content types", async () => {
    const script = await request(baseUrl, "/assets/index-B7x9aQ.js");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body.toString()).toBe(SCRIPT);
    expect((await request(baseUrl, "/assets/index-Cq1.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await request(baseUrl, "/assets/logo-D4.svg")).headers["content-type"]).toBe("image/svg+xml");
    expect((await request(baseUrl, "/assets/font-E5.woff2")).headers["content-type"]).toBe("font/woff2");
    const icon = await request(baseUrl, "/favicon.ico");
    expect(icon.headers["content-type"]).toBe("image/x-icon");
    expect(icon.headers["cache-control"]).toBe("no-cache");
  });

  it("sends brotli or gzip when accepted (preferring the higher q), identity otherwise", async () => {
    const br = await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(Number(br.headers["content-length"])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    const gz = await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "br;q=0.5, gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    expect((await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "br;q=0, gzip;q=0" })).headers["content-encoding"]).toBeUndefined();
    expect((await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "*" })).headers["content-encoding"]).toBe("br");
    // Each representation has its own ETag.
    expect(new Set([br.headers.etag, gz.headers.etag, (await request(baseUrl, "/assets/index-B7x9aQ.js")).headers.etag]).size).toBe(3);
    // Tiny or incompressible files go as they are.
    expect((await request(baseUrl, "/assets/index-Cq1.css", { "accept-encoding": "br" })).headers["content-encoding"]).toBeUndefined();
  });

  it("answers 304 to a matching If-None-Match (weak too), with the caching headers", async () => {
    const first = await request(baseUrl, "/", { "accept-encoding": "gzip" });
    const etag = first.headers.etag!;
    const again = await request(baseUrl, "/", { "accept-encoding": "gzip", "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers["cache-control"]).toBe("no-cache");
    expect((await request(baseUrl, "/", { "accept-encoding": "gzip", "if-none-match": `"other", W/${etag}` })).status).toBe(304);
    // The ETag names the representation: a gzip ETag does not match the identity body.
    expect((await request(baseUrl, "/", { "if-none-match": etag })).status).toBe(200);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const head = await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "gzip" }, "HEAD");
    const get = await request(baseUrl, "/assets/index-B7x9aQ.js", { "accept-encoding": "gzip" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(get.headers["content-length"]);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect((await request(baseUrl, "/watch/123", {}, "HEAD")).headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("falls back to index.html for SPA routes; a missing file with an extension or under /assets/ is 404", async () => {
    for (const route of ["/watch/6f1c2d3e-0000-4000-8000-000000000001", "/channel/xtream_demo", "/upload", "/search?q=cats", "/channel/x/"]) {
      const response = await request(baseUrl, route);
      expect(response.status, route).toBe(200);
      expect(response.body.toString(), route).toBe(INDEX);
      expect(response.headers["cache-control"], route).toBe("no-cache");
    }
    for (const missing of ["/missing.js", "/assets/index-old.js", "/assets/nothing", "/robots.txt"]) {
      const response = await request(baseUrl, missing);
      expect(response.status, missing).toBe(404);
      expect(response.body.toString(), missing).not.toContain("<html");
    }
  });

  it("never serves anything outside the folder, dot-files or symlinks", async () => {
    const attempts = [
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/linked.txt",
      "/.env",
      "/.vite/manifest.json",
      "/%00index.html",
      "/%E0%A4%A",
    ];
    for (const path of attempts) {
      const response = await request(baseUrl, path);
      expect(response.status, path).toBe(404);
      expect(response.body.toString(), path).not.toMatch(/outside the site|SECRET|root:/);
    }
    expect(requestPath("/a/../b")).toBeUndefined();
    expect(requestPath("/a/./b")).toBeUndefined();
    expect(requestPath("/watch/x?next=/../y")).toBe("/watch/x");
  });

  it("serves /app-config.json (uncached) and leaves the API to the services", async () => {
    const config = await request(baseUrl, "/app-config.json");
    expect(config.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(config.headers["cache-control"]).toBe("no-cache");
    expect(JSON.parse(config.body.toString())).toEqual({ edgeUrl: "http://edge.test:8081" });
    // An RPC path is never the SPA's, even for GET.
    const rpcGet = await request(baseUrl, "/xtream.echo.v1.EchoService/Echo");
    expect(rpcGet.body.toString()).not.toContain("<html");
    const client = createClient(EchoService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    await expect(client.echo({ message: "beside the app" })).resolves.toMatchObject({ message: "beside the app" });
    // POST to a page is not the site's either.
    expect((await request(baseUrl, "/watch/x", {}, "POST")).body.toString()).not.toContain("<html");
  });

  it("keeps CORS's Vary and answers over h2c too", async () => {
    const response = await request(baseUrl, "/assets/index-B7x9aQ.js", { origin: "https://app.example", "accept-encoding": "br" });
    expect(response.headers.vary).toBe("Origin, Accept-Encoding");
    const session = http2.connect(baseUrl);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/watch/abc" });
        let status = 0;
        let body = "";
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
      });
      expect(status).toBe(200);
      expect(body).toBe(INDEX);
    } finally {
      session.close();
    }
  });

  it("without a build serves the API and app-config only, and picks the build up once it appears", async () => {
    const later = join(root, "later");
    const url = await startGateway(later, 50);
    expect((await request(url, "/")).status).toBe(404);
    expect((await request(url, "/app-config.json")).status).toBe(200);
    const client = createClient(EchoService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    await expect(client.echo({ message: "api only" })).resolves.toMatchObject({ message: "api only" });

    await mkdir(join(later, "assets"), { recursive: true });
    await writeFile(join(later, "index.html"), INDEX);
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      status = (await request(url, "/watch/1")).status;
    }
    expect(status).toBe(200);
    // A rebuild replaces it.
    await writeFile(join(later, "index.html"), "<!doctype html><title>v2</title>");
    let body = "";
    for (let attempt = 0; attempt < 50 && !body.includes("v2"); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      body = (await request(url, "/")).body.toString();
    }
    expect(body).toContain("v2");
  });
});
