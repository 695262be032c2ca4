/**
 * Edge benchmark (./dev.sh bench edge). In one run, on loopback, with wrk:
 *   node   — a bare node:http server writing the same bytes from memory, with
 *            the same response headers a player gets from the edge (type,
 *            length, Cache-Control, ETag, Accept-Ranges, CORS), each file's
 *            header list built once (node-baseline.ts)
 *   nginx  — Debian's nginx serving the same files from disk (own config, child
 *            process; its own ETag and Accept-Ranges, plus Cache-Control and CORS)
 *   edge   — the playback edge with a hot memory cache
 *   redis  — the edge with the memory tier off (every hit from Redis)
 * for a ~1.3 MB segment, a ~400 KB segment and a media playlist; repeats are
 * interleaved and medians reported. Then 200 concurrent requests for a cold
 * segment, counting MinIO reads. The last line is one JSON object.
 *
 * Beside requests per second, each run reads the server's CPU time from /proc
 * and reports CPU per request (cpu_us_per_request). On segments wrk's one core
 * runs out first (it reads every byte; the servers idle ~15%), so their
 * requests per second say how fast wrk reads, and the servers' CPU per request
 * is what compares the servers.
 *
 * On two or more cores every server runs pinned to the last core and wrk
 * (one thread) to the first (`taskset`; BENCH_PIN=0 turns it off): each
 * server then has one core of its own, as a one-process Node server does in
 * production, and wrk's load generation never takes its turns, which made
 * unpinned runs swing by ±10%.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startBenchDirectory } from "./directory.ts";
import { mediaPlaylist } from "./media-playlist.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { freePort, stackEnv } from "../../lib/testing/index.ts";
import { processEnv } from "../../scripts/stack/process-profile.ts";
import { processCpuMs } from "../lib/cpu.ts";
import { median, round } from "../lib/stats.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DURATION_S = Number(process.env["BENCH_DURATION_S"] ?? 5);
const REPEATS = Number(process.env["BENCH_REPEATS"] ?? 4);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 50);
const PIN = process.env["BENCH_PIN"] !== "0" && cpus().length >= 2 && commandExists("taskset");
const SERVER_CPU = String(cpus().length - 1);
const children: ChildProcess[] = [];
const execFileAsync = promisify(execFile);
const log = (message: string) => console.log(`[bench edge] ${message}`);

process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});


async function waitFor(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

function commandExists(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const [binary, argv] = PIN ? ["taskset", ["-c", SERVER_CPU, command, ...args]] : [command, args];
  const child = spawn(binary, argv, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.on("exit", (code, signal) => {
    if (code && code !== 0) log(`${name} exited with ${code ?? signal}: ${stderr}`);
  });
  children.push(child);
  return child;
}

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connect, read and write errors (a closed or reset connection). */
  errors: number;
  /** Responses slower than wrk's 2 s timeout. */
  timeouts: number;
  non2xx: number;
  /** The server's CPU time per request over the run, in µs. */
  cpuUs: number;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return NaN;
  const amount = Number(match[1]);
  return match[2] === "us" ? amount / 1000 : match[2] === "ms" ? amount : match[2] === "s" ? amount * 1000 : amount * 60_000;
}

/**
 * One wrk run. Asynchronous on purpose: this process also hosts the edges'
 * VideoService peer (directory.ts); a synchronous wait would freeze it for the
 * whole run, and every edge whose visibility answer needed refreshing would
 * stall on its 2 s catalog deadline (one wrk "timeout" per connection).
 */
async function wrk(url: string, serverPid: number | undefined): Promise<WrkResult> {
  const cpuBefore = processCpuMs(serverPid);
  const load = [`-c${CONNECTIONS}`, `-d${DURATION_S}s`, "--latency", url];
  const [binary, argv] = PIN ? ["taskset", ["-c", "0", "wrk", "-t1", ...load]] : ["wrk", ["-t2", ...load]];
  const { stdout: out } = await execFileAsync(binary, argv, { encoding: "utf8" });
  const cpuMs = processCpuMs(serverPid) - cpuBefore;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socketErrors ? socketErrors.slice(1, 4).reduce((sum, value) => sum + Number(value), 0) : 0;
  const timeouts = Number(socketErrors?.[4] ?? 0);
  return { rps, p50Ms: p50, p99Ms: p99, errors, timeouts, non2xx, cpuUs: (cpuMs * 1000) / requests };
}


/** The edge's counters, over a fresh connection (never a pooled one the run may have left half-closed). */
async function stats(baseUrl: string): Promise<Record<string, number>> {
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(`${baseUrl}/metrics.json`, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
  return JSON.parse(body) as Record<string, number>;
}

/** Fires n requests at once over n connections; returns their statuses. */
async function burst(url: string, n: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: n });
  const statuses = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<number>((resolve, reject) => {
          const req = request(url, { agent }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          });
          req.on("error", reject);
          req.end();
        }),
    ),
  );
  agent.destroy();
  return statuses;
}

async function main() {
  const env = stackEnv();
  execFileSync("bash", [join(ROOT, "scripts/stack/install-tool.sh"), "nginx"], { stdio: "inherit" });
  execFileSync("bash", [join(ROOT, "scripts/stack/install-tool.sh"), "wrk"], { stdio: "inherit" });

  // The files: the same bytes on disk (nginx), in memory (node) and in MinIO (edge).
  const work = mkdtempSync(join(tmpdir(), "xtream-bench-edge-"));
  const www = join(work, "www");
  const videoId = randomUUID();
  const files = {
    big: { rel: "720p/seg_00000.ts", body: randomBytes(1_300_000) },
    small: { rel: "720p/seg_00001.ts", body: randomBytes(400_000) },
    playlist: { rel: "720p/index.m3u8", body: Buffer.from(mediaPlaylist(120)) },
  };
  const minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  await ensureBucket(minio, env.minioMediaBucket);
  for (const file of Object.values(files)) {
    const path = join(www, "v", videoId, file.rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.body);
    await minio.putObject(env.minioMediaBucket, `videos/${videoId}/${file.rel}`, file.body);
  }
  const coldVideo = randomUUID();
  await minio.putObject(env.minioMediaBucket, `videos/${coldVideo}/720p/seg_00000.ts`, files.big.body);
  log(`files: ${files.big.body.length} B, ${files.small.body.length} B segments and a ${files.playlist.body.length} B playlist (video ${videoId})`);

  // A VideoService peer saying these videos are public (the real catalog does not know them).
  const directory = await startBenchDirectory([videoId, coldVideo]);

  const [nodePort, nginxPort, edgePort, edgeGrpc, redisPort, redisGrpc] = await Promise.all(Array.from({ length: 6 }, freePort));
  const node = start("node", process.execPath, [join(ROOT, "bench/edge/node-baseline.ts"), String(nodePort), www]);

  mkdirSync(join(work, "nginx-tmp"), { recursive: true });
  const nginxConf = join(work, "nginx.conf");
  writeFileSync(nginxConf, nginxConfig(work, www, nginxPort as number));
  const nginx = start("nginx", "nginx", ["-c", nginxConf, "-p", work]);

  // Playback started through its runtime (bench/edge/edge-server.ts), as deployed: no HTTP server
  // instrumentation (lib/telemetry/sdk.ts), HLS requests traced at the default sampling.
  const edgeEnv: NodeJS.ProcessEnv = { ...process.env, OTEL_SERVICE_NAME: "xtream-playback", ...processEnv("playback") };
  const edgeArgs = (httpPort: number, grpcPort: number, memoryBytes: number) => [
    ...["--enable-source-maps", "--import", "./lib/telemetry/register.ts", "bench/edge/edge-server.ts"],
    ...[String(httpPort), String(grpcPort), directory.address, String(memoryBytes)],
  ];
  const edge = start("edge", process.execPath, edgeArgs(edgePort as number, edgeGrpc as number, 256 * 1024 * 1024), edgeEnv);
  const edgeRedis = start("edge-redis", process.execPath, edgeArgs(redisPort as number, redisGrpc as number, 0), edgeEnv);

  const servers = {
    node: `http://127.0.0.1:${nodePort}`,
    nginx: `http://127.0.0.1:${nginxPort}`,
    edge: `http://127.0.0.1:${edgePort}`,
    redis: `http://127.0.0.1:${redisPort}`,
  };
  // taskset replaces itself with the server, so these are the servers' own pids.
  const pids: Record<string, number | undefined> = { node: node.pid, nginx: nginx.pid, edge: edge.pid, redis: edgeRedis.pid };
  await Promise.all(Object.values(servers).map((base) => waitFor(`${base}/v/${videoId}/${files.playlist.rel}`)));
  // Warm both edges (the Redis write after a miss is asynchronous).
  for (const base of [servers.edge, servers.redis]) {
    for (const file of Object.values(files)) await (await fetch(`${base}/v/${videoId}/${file.rel}`)).arrayBuffer();
  }
  await sleep(300);
  for (const [name, base] of Object.entries(servers)) {
    for (const file of Object.values(files)) {
      const response = await fetch(`${base}/v/${videoId}/${file.rel}`, { headers: { "accept-encoding": "identity" } });
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200 || !body.equals(file.body)) throw new Error(`${name} does not serve ${file.rel} correctly (${response.status})`);
    }
  }
  log(`load average ${loadavg().map((value) => value.toFixed(1)).join(" ")} on ${cpus().length} cores (other work on the machine skews absolute numbers; ratios are from interleaved runs)`);
  log(`servers up: ${JSON.stringify(servers)}; ${PIN ? `servers on CPU ${SERVER_CPU}, wrk -t1 on CPU 0` : "unpinned, wrk -t2"} -c${CONNECTIONS} -d${DURATION_S}s, ${REPEATS} interleaved repeats`);

  const results: Record<string, Record<string, WrkResult[]>> = {};
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const [fileName, file] of Object.entries(files)) {
      // Rotate the order every repeat: no server always runs right after another.
      const entries = Object.entries(servers);
      const shift = (repeat - 1) % entries.length;
      for (const [serverName, base] of [...entries.slice(shift), ...entries.slice(0, shift)]) {
        const result = await wrk(`${base}/v/${videoId}/${file.rel}`, pids[serverName]);
        ((results[fileName] ??= {})[serverName] ??= []).push(result);
        log(`#${repeat} ${fileName.padEnd(8)} ${serverName.padEnd(5)} ${result.rps.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  CPU ${result.cpuUs.toFixed(1)} µs/req${result.errors ? `  SOCKET ERRORS ${result.errors}` : ""}${result.timeouts ? `  timeouts (>2 s) ${result.timeouts}` : ""}${result.non2xx ? `  NON-2XX ${result.non2xx}` : ""}`);
      }
    }
  }

  const summary: Record<string, Record<string, { rps: number; p50_ms: number; p99_ms: number; cpu_us: number; errors: number; timeouts: number; non2xx: number }>> = {};
  for (const [fileName, byServer] of Object.entries(results)) {
    for (const [serverName, runs] of Object.entries(byServer)) {
      (summary[fileName] ??= {})[serverName] = {
        rps: round(median(runs.map((run) => run.rps)), 1),
        p50_ms: round(median(runs.map((run) => run.p50Ms))),
        p99_ms: round(median(runs.map((run) => run.p99Ms))),
        cpu_us: round(median(runs.map((run) => run.cpuUs)), 1),
        errors: runs.reduce((sum, run) => sum + run.errors, 0),
        timeouts: runs.reduce((sum, run) => sum + run.timeouts, 0),
        non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
      };
    }
  }
  const ratio = (fileName: string, a: string, b: string) => round((summary[fileName]?.[a]?.rps ?? NaN) / (summary[fileName]?.[b]?.rps ?? NaN));
  // node's CPU per request / the edge's: ≥ 1 means the edge spends less on a request than bare Node.
  const cpuRatio = (fileName: string) => round((summary[fileName]?.["node"]?.cpu_us ?? NaN) / (summary[fileName]?.["edge"]?.cpu_us ?? NaN));
  console.log("\nmedians (requests/s, p50, p99, server CPU per request) and ratios:");
  for (const [fileName, byServer] of Object.entries(summary)) {
    for (const [serverName, row] of Object.entries(byServer)) {
      console.log(`  ${fileName.padEnd(8)} ${serverName.padEnd(5)} ${row.rps.toFixed(0).padStart(7)} req/s  p50 ${row.p50_ms} ms  p99 ${row.p99_ms} ms  CPU ${row.cpu_us} µs/req`);
    }
    console.log(`  ${fileName.padEnd(8)} edge/node ${ratio(fileName, "edge", "node")}  edge/nginx ${ratio(fileName, "edge", "nginx")}  redis/node ${ratio(fileName, "redis", "node")}  node/nginx ${ratio(fileName, "node", "nginx")}  CPU per request node/edge ${cpuRatio(fileName)}`);
  }

  // Cold: 200 concurrent requests for a segment no tier holds.
  const before = await stats(servers.edge);
  const statuses = await burst(`${servers.edge}/v/${coldVideo}/720p/seg_00000.ts`, 200);
  const after = await stats(servers.edge);
  const coldReads = (after["originReads"] ?? 0) - (before["originReads"] ?? 0);
  const coalesced = (after["coalesced"] ?? 0) - (before["coalesced"] ?? 0);
  const failed = statuses.filter((status) => status !== 200).length;
  log(`cold segment: 200 concurrent requests → ${coldReads} MinIO read(s), ${coalesced} coalesced, ${failed} failed`);

  for (const child of children) child.kill("SIGTERM");
  await directory.close();
  rmSync(work, { recursive: true, force: true });
  await minio.removeObjects(env.minioMediaBucket, [
    ...Object.values(files).map((file) => `videos/${videoId}/${file.rel}`),
    `videos/${coldVideo}/720p/seg_00000.ts`,
  ]);

  const big = summary["big"];
  console.log(
    JSON.stringify({
      ratio_vs_node: ratio("big", "edge", "node"),
      ratio_vs_nginx: ratio("big", "edge", "nginx"),
      redis_ratio_vs_node: ratio("big", "redis", "node"),
      p99_ms: big?.["edge"]?.p99_ms,
      cold_origin_reads: coldReads,
      cold_coalesced: coalesced,
      cold_failed: failed,
      small_ratio_vs_node: ratio("small", "edge", "node"),
      small_ratio_vs_nginx: ratio("small", "edge", "nginx"),
      playlist_ratio_vs_node: ratio("playlist", "edge", "node"),
      playlist_ratio_vs_nginx: ratio("playlist", "edge", "nginx"),
      node_vs_nginx_big: ratio("big", "node", "nginx"),
      cpu_ratio_vs_node: { big: cpuRatio("big"), small: cpuRatio("small"), playlist: cpuRatio("playlist") },
      cpu_us_per_request: Object.fromEntries(Object.entries(summary).map(([file, byServer]) => [file, Object.fromEntries(Object.entries(byServer).map(([server, row]) => [server, row.cpu_us]))])),
      rps: Object.fromEntries(Object.entries(summary).map(([file, byServer]) => [file, Object.fromEntries(Object.entries(byServer).map(([server, row]) => [server, row.rps]))])),
      socket_errors: Object.values(summary).reduce((sum, byServer) => sum + Object.values(byServer).reduce((inner, row) => inner + row.errors, 0), 0),
      edge_socket_errors: Object.values(summary).reduce((sum, byServer) => sum + (byServer["edge"]?.errors ?? 0) + (byServer["redis"]?.errors ?? 0), 0),
      timeouts: Object.values(summary).reduce((sum, byServer) => sum + Object.values(byServer).reduce((inner, row) => inner + row.timeouts, 0), 0),
      non_2xx: Object.values(summary).reduce((sum, byServer) => sum + Object.values(byServer).reduce((inner, row) => inner + row.non2xx, 0), 0),
      load_average_1m: round(loadavg()[0] ?? 0, 2),
      duration_s: DURATION_S,
      repeats: REPEATS,
      connections: CONNECTIONS,
      pinned: PIN,
    }),
  );
  process.exit(0);
}


function nginxConfig(work: string, www: string, port: number): string {
  const tmp = join(work, "nginx-tmp");
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(work, "nginx.pid")};
error_log ${join(work, "nginx-error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  types { video/mp2t ts; application/vnd.apple.mpegurl m3u8; }
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location / {
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header Access-Control-Allow-Origin "*";
    }
  }
}
`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
