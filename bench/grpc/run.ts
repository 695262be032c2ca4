/**
 * gRPC benchmark (./dev.sh bench grpc): requests per second of a cached
 * catalog read (VideoService.GetVideo) and of SearchService.SearchVideos,
 * against a bare grpc-js echo server measured in the same run. ghz finds the
 * methods through server reflection (no .proto files). Each server runs in
 * its own process; five interleaved rounds (argv: concurrency duration rounds), medians reported.
 * Last line: {"ratio_vs_echo":…,"getvideo_rps":…,"echo_rps":…,"search_rps":…,"p99_ms":…}
 * (ratio_vs_echo = GetVideo / echo; p99_ms is GetVideo's median p99).
 */
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { startJsonChild, stopChild } from "../lib/child.ts";
import { processCpuMs } from "../lib/cpu.ts";
import { median, round } from "../lib/stats.ts";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const CONCURRENCY = Number(process.argv[2] ?? 50);
const DURATION = process.argv[3] ?? "8s";
const ROUNDS = Number(process.argv[4] ?? 5);

const log = (message: string) => console.log(`[bench grpc] ${message}`);

/** Starts a server script of this folder as a child process and reads its first JSON line. */
const startChild = (script: string) => startJsonChild<Record<string, string | number>>([join(import.meta.dirname, script)], { cwd: root });

async function ghzPath(): Promise<string> {
  const local = join(root, ".tools", "bin", "ghz");
  if (existsSync(local)) return local;
  log("installing ghz");
  await exec("bash", [join(root, "scripts/stack/install-tool.sh"), "ghz"]);
  return local;
}

interface GhzReport {
  rps: number;
  count: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number>;
}

/** One ghz run; fails if any call did not answer OK. */
async function ghz(binary: string, target: string, call: string, data: object, duration = DURATION, serverPid?: number): Promise<Result> {
  const cpuBefore = serverPid ? processCpuMs(serverPid) : 0;
  const { stdout } = await exec(
    binary,
    ["--insecure", "--call", call, "-d", JSON.stringify(data), "-c", String(CONCURRENCY), "-z", duration, "--connections", "1", "--format", "json", target],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as GhzReport;
  // ghz cuts the calls still in flight when -z ends (at most one per worker): those show as
  // Unavailable/Canceled and are not failures; anything else, or more of them, is.
  const failures = Object.entries(report.statusCodeDistribution ?? {}).filter(([code]) => code !== "OK");
  const cut = failures.filter(([code]) => code === "Unavailable" || code === "Canceled").reduce((sum, [, count]) => sum + count, 0);
  if (cut > CONCURRENCY || failures.some(([code]) => code !== "Unavailable" && code !== "Canceled")) throw new Error(`${call}: non-OK answers ${JSON.stringify(Object.fromEntries(failures))}`);
  const p99 = report.latencyDistribution?.find((entry) => entry.percentage === 99)?.latency ?? Number.NaN;
  const cpu = serverPid ? processCpuMs(serverPid) - cpuBefore : Number.NaN;
  return { rps: report.rps, p99Ms: p99 / 1e6, cpuUsPerCall: (cpu * 1000) / Math.max(1, report.count) };
}

/** One measurement: throughput, tail latency, and the server process's CPU time per call. */
interface Result {
  rps: number;
  p99Ms: number;
  /** Server CPU microseconds per call: robust when other work shares the machine. */
  cpuUsPerCall: number;
}

const round2 = (value: number) => round(value, 2);

const children: ChildProcess[] = [];
try {
  const binary = await ghzPath();
  log("starting bare grpc-js echo server and catalog server (child processes)");
  const echo = await startChild("echo-server.ts");
  children.push(echo.child);
  const catalog = await startChild("catalog-server.ts");
  children.push(catalog.child);
  const echoTarget = `127.0.0.1:${echo.info["port"]}`;
  const catalogTarget = `127.0.0.1:${catalog.info["port"]}`;
  const cases = {
    echo: () => ghz(binary, echoTarget, "xtream.echo.v1.EchoService.Echo", { message: "hello" }, DURATION, echo.child.pid),
    getvideo: () => ghz(binary, catalogTarget, "xtream.catalog.v1.VideoService.GetVideo", { video_id: catalog.info["videoId"] }, DURATION, catalog.child.pid),
    search: () => ghz(binary, catalogTarget, "xtream.catalog.v1.SearchService.SearchVideos", { query: "volcano eruption", page_size: 10 }, DURATION, catalog.child.pid),
  };

  log(`warming up (c=${CONCURRENCY})`);
  await ghz(binary, echoTarget, "xtream.echo.v1.EchoService.Echo", { message: "hello" }, "2s");
  await ghz(binary, catalogTarget, "xtream.catalog.v1.VideoService.GetVideo", { video_id: catalog.info["videoId"] }, "2s");
  await ghz(binary, catalogTarget, "xtream.catalog.v1.SearchService.SearchVideos", { query: "volcano eruption", page_size: 10 }, "2s");

  const results: Record<keyof typeof cases, Result[]> = { echo: [], getvideo: [], search: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of Object.keys(cases) as (keyof typeof cases)[]) {
      const result = await cases[name]();
      results[name].push(result);
      log(`round ${round} ${name}: ${Math.round(result.rps)} rps, p99 ${round2(result.p99Ms)} ms, server CPU ${Math.round(result.cpuUsPerCall)} µs/call (c=${CONCURRENCY}, ${DURATION})`);
    }
  }

  const echoRps = median(results.echo.map((result) => result.rps));
  const getVideoRps = median(results.getvideo.map((result) => result.rps));
  const searchRps = median(results.search.map((result) => result.rps));
  const summary = {
    ratio_vs_echo: round2(getVideoRps / echoRps),
    getvideo_rps: Math.round(getVideoRps),
    echo_rps: Math.round(echoRps),
    search_rps: Math.round(searchRps),
    p99_ms: round2(median(results.getvideo.map((result) => result.p99Ms))),
  };
  const cpuRatio = median(results.echo.map((result) => result.cpuUsPerCall)) / median(results.getvideo.map((result) => result.cpuUsPerCall));
  log(`GetVideo (cached) is ${summary.ratio_vs_echo}× the bare echo server in rps (target ≥ 0.8); by server CPU per call ${round2(cpuRatio)}×`);
  console.log(JSON.stringify(summary));
} finally {
  await Promise.all(children.map((child) => stopChild(child)));
}
