/**
 * Gateway benchmark (./dev.sh bench gateway): what the gateway hop costs. In
 * one run, interleaved rounds, on loopback:
 *   direct   ghz → catalog: VideoService.GetVideo (cached), gRPC
 *   gateway  ghz → gateway → catalog: the same call, gRPC over h2c
 *   connect  wrk → gateway → catalog: the same call as Connect JSON (POST, HTTP/1.1)
 * The catalog is the real server on a throwaway seeded database
 * (bench/grpc/catalog-server.ts); the gateway is gateway/main.ts, as the stack
 * runs it (OpenTelemetry registered, its processEnv from values.yaml, rate
 * limiter on Redis, token verifier), in its own process and
 * pointed at that catalog. ghz finds the methods through server reflection,
 * the gateway's own included. Medians of the rounds; the ratio is the median
 * of each round's gateway/direct pair.
 * argv: [concurrency=50] [duration=5s] [rounds=3]; BENCH_PROFILE=1 writes a
 * CPU profile of the gateway to bench-results/ (node --cpu-prof).
 * Last line: {"ratio_vs_direct":…,"gateway_rps":…,"direct_rps":…,"gateway_p99_ms":…,"direct_p99_ms":…,"connect_rps":…,"connect_p99_ms":…,"gateway_cpu_us_per_call":…}
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort, portOpen } from "../../lib/testing/index.ts";
import { processEnv } from "../../scripts/stack/process-profile.ts";
import { startJsonChild } from "../lib/child.ts";
import { processCpuMs, waitedChildrenCpuMs } from "../lib/cpu.ts";
import { median } from "../lib/stats.ts";

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const CONCURRENCY = Number(process.argv[2] ?? 50);
const DURATION = process.argv[3] ?? "5s";
const ROUNDS = Number(process.argv[4] ?? 3);
const PROFILE = process.env["BENCH_PROFILE"] === "1";
const children: ChildProcess[] = [];
const log = (message: string) => console.log(`[bench gateway] ${message}`);

interface Result {
  rps: number;
  p99Ms: number;
  /** CPU time of the gateway and of catalog per call, in µs (steady when other work shares the machine). */
  gatewayUsPerCall?: number;
  catalogUsPerCall?: number;
  /** CPU time of the load generator (ghz or wrk) per call, in µs: it shares the two cores. */
  loadUsPerCall?: number;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    if (await portOpen(port)) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on ${port}`);
}

/** The real catalog server on a throwaway database (first stdout line: {"port","videoId"}). */
async function startCatalog(): Promise<{ port: number; videoId: string }> {
  const { child, info } = await startJsonChild<{ port: number; videoId: string }>([join(ROOT, "bench/grpc/catalog-server.ts")], { cwd: ROOT });
  children.push(child);
  return info;
}

/** gateway/main.ts in its own process, routing VideoService to the bench catalog. */
async function startGateway(catalogPort: number, profileDir: string): Promise<number> {
  const port = await freePort();
  const env = {
    ...process.env,
    // The process flags and telemetry the stack and the chart give it (k8s/xtream/values.yaml, register.ts).
    ...processEnv("gateway"),
    OTEL_SERVICE_NAME: "xtream-gateway",
    XTREAM_GATEWAY_PORT: String(port),
    CATALOG_ADDR: `127.0.0.1:${catalogPort}`,
    GATEWAY_WEB_DIR: "",
    // The limiter runs as in production; its limit is out of the way of one client's load.
    GATEWAY_RATE_LIMIT: "1000000000",
  };
  // BENCH_GATEWAY_NODE_ARGS: extra node flags for the gateway (space-separated), to try V8 settings.
  const extra = process.env["BENCH_GATEWAY_NODE_ARGS"]?.split(" ").filter(Boolean) ?? [];
  const args = [...extra, ...(PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), "--import", "./lib/telemetry/register.ts", join(ROOT, "gateway/main.ts")];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  await waitForPort(port, child);
  return port;
}

async function ghzPath(): Promise<string> {
  const local = join(ROOT, ".tools", "bin", "ghz");
  if (!existsSync(local)) execFileSync("bash", [join(ROOT, "scripts/stack/install-tool.sh"), "ghz"], { stdio: "inherit" });
  return local;
}

/** One ghz run of GetVideo; every call must answer OK (bar the ones cut when time runs out). */
async function ghz(binary: string, target: string, videoId: string, duration = DURATION): Promise<Result> {
  const { stdout } = await exec(
    binary,
    ["--insecure", "--call", "xtream.catalog.v1.VideoService.GetVideo", "-d", JSON.stringify({ video_id: videoId }), "-c", String(CONCURRENCY), "-z", duration, "--connections", "1", "--format", "json", target],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as { rps: number; latencyDistribution: { percentage: number; latency: number }[] | null; statusCodeDistribution: Record<string, number> };
  const bad = Object.entries(report.statusCodeDistribution ?? {}).filter(([code]) => code !== "OK");
  const cut = bad.filter(([code]) => code === "Unavailable" || code === "Canceled").reduce((sum, [, n]) => sum + n, 0);
  if (cut > CONCURRENCY || bad.some(([code]) => code !== "Unavailable" && code !== "Canceled")) throw new Error(`GetVideo via ${target}: non-OK answers ${JSON.stringify(Object.fromEntries(bad))}`);
  return { rps: report.rps, p99Ms: (report.latencyDistribution?.find((d) => d.percentage === 99)?.latency ?? NaN) / 1e6 };
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!match) return NaN;
  return Number(match[1]) * (match[2] === "us" ? 0.001 : match[2] === "ms" ? 1 : 1000);
}

/** One wrk run of the same call as Connect JSON (POST) over HTTP/1.1 keep-alive connections. */
async function wrkConnect(gatewayPort: number, script: string, duration = DURATION): Promise<Result> {
  const { stdout } = await exec("wrk", ["-t2", `-c${CONCURRENCY}`, `-d${duration}`, "--latency", "-s", script, `http://127.0.0.1:${gatewayPort}/xtream.catalog.v1.VideoService/GetVideo`]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`Connect GetVideo: ${non2xx} non-2xx answers`);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN), p99Ms: toMs(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? "") };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

try {
  const binary = await ghzPath();
  execFileSync("bash", [join(ROOT, "scripts/stack/install-tool.sh"), "wrk"], { stdio: ["ignore", "ignore", "inherit"] });
  const profileDir = join(ROOT, "bench-results", "gateway-profile");
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  log("starting the catalog server (throwaway database) and gateway/main.ts in front of it");
  const catalog = await startCatalog();
  const gatewayPort = await startGateway(catalog.port, profileDir);
  const script = join(tmpdir(), `bench-gateway-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify({ videoId: catalog.videoId })}'\n`);

  const cases: Record<"direct" | "gateway" | "connect", (duration?: string) => Promise<Result>> = {
    direct: (d) => ghz(binary, `127.0.0.1:${catalog.port}`, catalog.videoId, d),
    gateway: (d) => ghz(binary, `127.0.0.1:${gatewayPort}`, catalog.videoId, d),
    connect: (d) => wrkConnect(gatewayPort, script, d),
  };
  // BENCH_CASES=gateway (comma-separated) runs only some cases, e.g. to profile one path.
  const only = process.env["BENCH_CASES"]?.split(",");
  log(`warming up (c=${CONCURRENCY})`);
  for (const [name, run] of Object.entries(cases)) if (!only || only.includes(name)) await run("2s");
  const results: Record<keyof typeof cases, Result[]> = { direct: [], gateway: [], connect: [] };
  const [catalogPid, gatewayPid] = children.map((child) => child.pid);
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order so neither path always runs first in a round.
    type Case = keyof typeof cases;
    const order: Case[] = round % 2 ? ["direct", "gateway", "connect"] : ["gateway", "direct", "connect"];
    for (const name of order.filter((n) => !only || only.includes(n))) {
      const before = [processCpuMs(gatewayPid), processCpuMs(catalogPid), waitedChildrenCpuMs()];
      const result = await cases[name]();
      const calls = result.rps * Number.parseFloat(DURATION);
      result.gatewayUsPerCall = ((processCpuMs(gatewayPid) - before[0]!) * 1000) / calls;
      result.catalogUsPerCall = ((processCpuMs(catalogPid) - before[1]!) * 1000) / calls;
      result.loadUsPerCall = ((waitedChildrenCpuMs() - before[2]!) * 1000) / calls;
      results[name].push(result);
      log(`round ${round} ${name}: ${Math.round(result.rps)} rps, p99 ${round2(result.p99Ms)} ms, CPU per call gateway ${Math.round(result.gatewayUsPerCall)} µs + catalog ${Math.round(result.catalogUsPerCall)} µs + ${name === "connect" ? "wrk" : "ghz"} ${Math.round(result.loadUsPerCall)} µs (c=${CONCURRENCY}, ${DURATION})`);
    }
  }
  const rps = (name: keyof typeof cases) => (results[name].length ? median(results[name].map((r) => r.rps)) : NaN);
  const p99 = (name: keyof typeof cases) => (results[name].length ? median(results[name].map((r) => r.p99Ms)) : NaN);
  // The ratio of each round's pair (run back to back), then the median: steadier than a ratio
  // of medians when other work on the machine comes and goes between rounds.
  const ratios = results.gateway.flatMap((gateway, index) => (results.direct[index] ? [gateway.rps / results.direct[index].rps] : []));
  const summary = {
    ratio_vs_direct: ratios.length ? round2(median(ratios)) : NaN,
    gateway_rps: Math.round(rps("gateway")),
    direct_rps: Math.round(rps("direct")),
    gateway_p99_ms: round2(p99("gateway")),
    direct_p99_ms: round2(p99("direct")),
    connect_rps: Math.round(rps("connect")),
    connect_p99_ms: round2(p99("connect")),
    // CPU per gRPC call through the gateway, in µs (steadier than requests per second on a shared machine).
    gateway_cpu_us_per_call: results.gateway.length ? Math.round(median(results.gateway.map((r) => r.gatewayUsPerCall ?? NaN))) : NaN,
  };
  log(`through the gateway: ${summary.ratio_vs_direct}× the requests per second of calling catalog directly (target ≥ 0.7)`);
  if (PROFILE) log(`gateway CPU profile → ${profileDir} (written when the gateway exits)`);
  console.log(JSON.stringify(summary));
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)))));
}
