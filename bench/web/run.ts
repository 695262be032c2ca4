/**
 * Web benchmark (./dev.sh bench web). In headless Chromium on loopback, for
 * one READY public video (from ./dev.sh seed), interleaved:
 *   app  — the watch page of the app the gateway serves (its JS, two RPCs,
 *          hls.js fetched as its own chunk, then the stream);
 *   bare — a page that only loads hls.js and the same master playlist.
 * Each run is a fresh browser context (cold HTTP cache); the time is from
 * navigation start to the first rendered frame (requestVideoFrameCallback
 * after the first `playing`), read from the page's own clock. Also the
 * gzipped size of the app's JavaScript (without hls.js). The last line is
 * one JSON object.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { chromium, type Browser } from "playwright-core";
import { VideoService, FeedOrder } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { VideoStatus } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { median } from "../lib/stats.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 7);
const GATEWAY = `http://127.0.0.1:${process.env["XTREAM_GATEWAY_PORT"] ?? 8080}`;
const log = (message: string) => console.log(`[bench web] ${message}`);

// The same hook on both pages: the first frame painted after playback starts.
const FIRST_FRAME_HOOK = `
  document.addEventListener("playing", (event) => {
    const video = event.target;
    if (window.__firstFrame !== undefined || !video.requestVideoFrameCallback) return;
    video.requestVideoFrameCallback((now) => { window.__firstFrame ??= now; });
  }, true);
`;

function barePage(masterUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head><body>
<video id="v" muted playsinline style="width:1280px;height:720px"></video>
<script src="/hls.js"></script>
<script>
  const video = document.getElementById("v");
  const hls = new Hls();
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
  hls.loadSource(${JSON.stringify(masterUrl)});
  hls.attachMedia(video);
</script></body></html>`;
}

/** Serves the bare page and hls.js (the same light build the app uses). */
function startBareServer(masterUrl: string): Promise<{ url: string; server: Server }> {
  const hls = readFileSync(join(ROOT, "node_modules/hls.js/dist/hls.light.min.js"));
  const html = barePage(masterUrl);
  const server = createServer((req, res) => {
    if (req.url === "/hls.js") {
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" });
      res.end(hls);
    } else {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server })));
}

/** A READY public video from the feed; runs ./dev.sh seed first when there is none. */
async function readyVideo(): Promise<string> {
  const videos = createClient(VideoService, createConnectTransport({ baseUrl: GATEWAY, httpVersion: "1.1" }));
  const find = async () => (await videos.listFeed({ order: FeedOrder.LATEST, pageSize: 50 })).videos.find((v) => v.status === VideoStatus.READY)?.id;
  let id = await find();
  if (!id) {
    log("no READY public video yet: running ./dev.sh seed");
    execFileSync(join(ROOT, "dev.sh"), ["seed"], { stdio: "inherit" });
    id = await find();
  }
  if (!id) throw new Error("no READY public video in the feed, even after ./dev.sh seed");
  return id;
}

async function firstFrame(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  try {
    await context.addInitScript(FIRST_FRAME_HOOK);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __firstFrame?: number }).__firstFrame !== undefined, undefined, { timeout: 30_000 });
    return await page.evaluate(() => (window as unknown as { __firstFrame: number }).__firstFrame);
  } finally {
    await context.close();
  }
}


function gzipKb(files: string[]): number {
  return files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0) / 1024;
}

async function main(): Promise<void> {
  const assets = join(ROOT, "web/dist/assets");
  const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
  const appJs = js.filter((f) => !f.startsWith("hls")).map((f) => join(assets, f));
  const hlsJs = js.filter((f) => f.startsWith("hls")).map((f) => join(assets, f));
  const id = await readyVideo();
  const edge = ((await (await fetch(`${GATEWAY}/app-config.json`)).json()) as { edgeUrl: string }).edgeUrl;
  const masterUrl = `${edge}/v/${id}/master.m3u8`;
  const bare = await startBareServer(masterUrl);
  const browser = await chromium.launch({
    executablePath: process.env["XTREAM_CHROMIUM"] ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    log(`video ${id}; ${RUNS} interleaved runs of each page (after one warm-up of each)`);
    await firstFrame(browser, `${GATEWAY}/watch/${id}`);
    await firstFrame(browser, bare.url);
    const app: number[] = [];
    const baseline: number[] = [];
    console.log("run   app_ms   bare_ms");
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so drift in the machine's load hits both alike.
      const order = i % 2 === 0 ? (["app", "bare"] as const) : (["bare", "app"] as const);
      const times: Record<string, number> = {};
      for (const which of order) times[which] = await firstFrame(browser, which === "app" ? `${GATEWAY}/watch/${id}` : bare.url);
      app.push(times.app!);
      baseline.push(times.bare!);
      console.log(`${String(i + 1).padStart(3)} ${times.app!.toFixed(0).padStart(8)} ${times.bare!.toFixed(0).padStart(9)}`);
    }
    const result = {
      first_frame_ms: Math.round(median(app)),
      bare_first_frame_ms: Math.round(median(baseline)),
      ratio: Number((median(app) / median(baseline)).toFixed(3)),
      js_gzip_kb: Number(gzipKb(appJs).toFixed(1)),
      hls_js_gzip_kb: Number(gzipKb(hlsJs).toFixed(1)),
      runs: RUNS,
    };
    log(`medians: app ${result.first_frame_ms} ms, bare ${result.bare_first_frame_ms} ms; app JS ${result.js_gzip_kb} KB gzipped (+ hls.js ${result.hls_js_gzip_kb} KB, loaded on the watch page only)`);
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    bare.server.close();
  }
}

await main();
