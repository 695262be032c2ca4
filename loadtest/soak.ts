/**
 * ./dev.sh soak --minutes N [--interval S]: mixed load against the running
 * stack (loopback only, bounded in time and rate) while every service process
 * is sampled: RSS and open file descriptors from /proc, V8 heap used and
 * event-loop delay p99 from inside the process (exported by OpenTelemetry,
 * read back from VictoriaMetrics: the stack must run with --observability).
 * Prints a row per sample, then per process and figure the value after the
 * warm-up, at the end, the slope per hour and whether it keeps growing, and
 * last one JSON line. Exits 1 when something grows, a process exits or
 * restarts, or the load itself failed; 2 on bad usage or a stack it cannot read.
 */
import { join } from "node:path";
import { ensureCatalogue } from "./lib/catalogue.ts";
import { loadFailed, runSoakLoad, type LoadTally } from "./lib/soak-load.ts";
import { FIGURES, sampleHeader, sampleRow, trendsJson, trendTable, type FigureKey } from "./lib/soak-report.ts";
import { sampleAll, stackServices, type ProcessSample, type Watched } from "./lib/soak-sampler.ts";
import { trend, type Point, type Trend } from "./lib/soak-trend.ts";
import { localTargets, log, ROOT } from "./lib/run-tools.ts";

/** Growth allowed per hour after the warm-up, by figure (--max-growth). */
const DEFAULT_BOUNDS: Record<FigureKey, number> = { rssMiB: 100, heapMiB: 50, fds: 50, eldP99Ms: 25 };
const BOUND_NAMES: Record<string, FigureKey> = { rss: "rssMiB", heap: "heapMiB", fds: "fds", eld: "eldP99Ms" };
/** A soak runs at most this long. */
const MAX_MINUTES = 240;
/** How long to wait for every process's first runtime figures in VictoriaMetrics (services export every 15 s). */
const FIRST_FIGURES_TIMEOUT_MS = 60_000;

interface SoakOptions {
  minutes: number;
  intervalSeconds: number;
  roundSeconds: number;
  heapWindowSeconds: number;
  apiVus: number;
  viewerVus: number;
  bounds: Record<FigureKey, number>;
  extra: Watched[];
}

class UsageError extends Error {}

function parseArgs(args: string[]): SoakOptions {
  const options: SoakOptions = { minutes: NaN, intervalSeconds: 15, roundSeconds: 60, heapWindowSeconds: 60, apiVus: 2, viewerVus: 8, bounds: { ...DEFAULT_BOUNDS }, extra: [] };
  const number = (flag: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be a number from ${min} to ${max}, not ${value}`);
    return n;
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--minutes") options.minutes = number(flag, value, 0.5, MAX_MINUTES);
    else if (flag === "--interval") options.intervalSeconds = number(flag, value, 1, 300);
    else if (flag === "--round") options.roundSeconds = number(flag, value, 10, 600);
    else if (flag === "--heap-window") options.heapWindowSeconds = number(flag, value, 5, 3600);
    else if (flag === "--api-vus") options.apiVus = Math.round(number(flag, value, 1, 20));
    else if (flag === "--viewers") options.viewerVus = Math.round(number(flag, value, 1, 100));
    else if (flag === "--max-growth") {
      for (const pair of value.split(",")) {
        const [name, bound] = pair.split("=");
        const key = BOUND_NAMES[name ?? ""];
        if (!key || bound === undefined) throw new UsageError(`--max-growth takes rss=,heap=,fds=,eld= (per hour), not ${pair}`);
        options.bounds[key] = number(`--max-growth ${name}`, bound, 0, 1e9);
      }
    } else if (flag === "--watch") {
      const match = /^([\w.-]+)=(\d+)$/.exec(value);
      if (!match) throw new UsageError(`--watch takes name=pid, not ${value}`);
      options.extra.push({ name: match[1]!, pid: Number(match[2]) });
    } else throw new UsageError(`unknown option ${flag}`);
  }
  if (Number.isNaN(options.minutes)) throw new UsageError("--minutes is required");
  return options;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits until VictoriaMetrics has heap figures for every watched process; names those it never gets. */
async function waitForFigures(vmUrl: string, watched: Watched[], heapWindowSeconds: number): Promise<void> {
  const deadline = Date.now() + FIRST_FIGURES_TIMEOUT_MS;
  for (;;) {
    const { samples, vmError } = await sampleAll(vmUrl, watched, { heapWindowSeconds: Math.max(heapWindowSeconds, 60), eldWindowSeconds: 60 });
    const gone = watched.filter((w) => !samples.get(w.name)?.alive);
    if (gone.length > 0) throw new Error(`not running: ${gone.map((w) => `${w.name} (pid ${w.pid})`).join(", ")}; start the stack with ./dev.sh up --observability`);
    const missing = watched.filter((w) => samples.get(w.name)?.heapMiB === null);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        vmError
          ? `VictoriaMetrics at ${vmUrl} cannot be read (${vmError}); start the stack with ./dev.sh up --observability`
          : `no runtime metrics in VictoriaMetrics for ${missing.map((w) => w.name).join(", ")}: the services must export to the collector (./dev.sh up --observability restarts them so)`,
      );
    }
    log(`waiting for runtime metrics from ${missing.map((w) => w.name).join(", ")}`);
    await sleep(3000);
  }
}

async function soak(options: SoakOptions): Promise<number> {
  const vmUrl = `http://127.0.0.1:${Number(process.env["XTREAM_VM_PORT"] ?? 8428)}`;
  const targets = localTargets();
  const watched = [...(await stackServices(join(ROOT, ".stack", "pids"))), ...options.extra];
  if (watched.length === 0) throw new Error("no services are running (no .stack/pids/svc-*.pid): start the stack with ./dev.sh up --observability");
  const healthy = await fetch(`${vmUrl}/health`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
  if (!healthy) throw new Error(`VictoriaMetrics is not answering on ${vmUrl}: start the stack with ./dev.sh up --observability`);
  await waitForFigures(vmUrl, watched, options.heapWindowSeconds);
  const catalogue = await ensureCatalogue({ gatewayUrl: targets.gatewayUrl, clips: process.env["LOADTEST_CLIPS"] ? Number(process.env["LOADTEST_CLIPS"]) : undefined });

  const names = watched.map((w) => w.name);
  const series = new Map<string, Record<FigureKey, Point[]>>(names.map((name) => [name, { rssMiB: [], heapMiB: [], fds: [], eldP99Ms: [] }]));
  const firstStart = new Map<string, number>();
  /** The first thing that went wrong with each process (gone, or replaced by another). */
  const events = new Map<string, string>();
  let vmErrors = 0;
  const start = Date.now();
  const deadline = start + options.minutes * 60_000;
  console.log(
    `== soak: ${options.minutes} min, a sample every ${options.intervalSeconds} s; rounds of ${options.roundSeconds} s: api ${options.apiVus * 10} calls/s + 1 login/s, smoke 1 VU, ${options.viewerVus} viewers (every other round also 3 uploads of 20 MiB)`,
  );
  console.log(`   rss, fds: /proc; heap (MiB, floor over ${options.heapWindowSeconds} s) and eld (event-loop delay p99, ms): the process's own metrics in VictoriaMetrics`);
  console.log(sampleHeader(names));

  const load: Promise<LoadTally> = runSoakLoad({ targets, deadline, roundSeconds: options.roundSeconds, apiVus: options.apiVus, viewerVus: options.viewerVus, clips: catalogue.videos.length }, catalogue);
  let loadDone = false;
  void load.then(() => (loadDone = true));
  for (let k = 0; ; k++) {
    const at = Math.min(start + k * options.intervalSeconds * 1000, deadline);
    await sleep(at - Date.now());
    const { samples, vmError } = await sampleAll(vmUrl, watched, { heapWindowSeconds: options.heapWindowSeconds, eldWindowSeconds: Math.max(options.intervalSeconds, 30) });
    if (vmError) vmErrors++;
    const t = (at - start) / 1000;
    for (const w of watched) {
      const s: ProcessSample = samples.get(w.name)!;
      const known = firstStart.get(w.name);
      if (!s.alive) {
        if (!events.has(w.name)) events.set(w.name, `${w.name} (pid ${w.pid}) is gone at ${t.toFixed(0)} s`);
      } else if (known === undefined) firstStart.set(w.name, s.startTicks!);
      else if (known !== s.startTicks && !events.has(w.name)) events.set(w.name, `${w.name}: pid ${w.pid} is another process at ${t.toFixed(0)} s (restarted)`);
      const figures = series.get(w.name)!;
      for (const figure of FIGURES) figures[figure.key].push({ t, v: s.alive ? s[figure.key] : null });
    }
    console.log(sampleRow(t, names, samples));
    if (at >= deadline) break;
  }
  if (!loadDone) log("waiting for the last load round to end");
  const tally = await load;
  const duration = (Math.max(Date.now(), deadline) - start) / 1000;

  const trends: Record<string, Record<FigureKey, Trend>> = {};
  for (const [name, figures] of series) {
    trends[name] = Object.fromEntries(FIGURES.map((f) => [f.key, trend(figures[f.key], Math.min(duration, options.minutes * 60), options.bounds[f.key])])) as Record<FigureKey, Trend>;
  }
  const growing = Object.entries(trends).flatMap(([name, figures]) => FIGURES.filter((f) => figures[f.key].growing).map((f) => `${name} ${f.json}`));
  const failures = [...events.values()].concat(growing.map((g) => `growing: ${g}`), loadFailed(tally));

  console.log(`\n== trends (after warm-up = at 25% of the run; slope = least squares over the second half, per hour) ==`);
  console.log(trendTable(trends));
  console.log(`load: ${tally.rounds} rounds, ${tally.requests} requests, ${tally.failed} failed; ${Object.entries(tally.byScenario).map(([name, s]) => `${name} ${s.runs}× ${s.requests} req ${s.failed} failed`).join(", ")}`);
  if (tally.thresholdBreaks.length > 0) console.log(`latency/rate thresholds broken in ${tally.thresholdBreaks.length} scenario run(s) (not a soak failure; ./dev.sh load gates them), e.g. ${tally.thresholdBreaks[0]}`);
  if (vmErrors > 0) console.log(`VictoriaMetrics could not be read for ${vmErrors} sample(s): heap and eld are missing there`);
  const ok = failures.length === 0;
  console.log(ok ? "soak: nothing kept growing" : `soak failed:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  console.log(
    JSON.stringify({
      scenario: "soak",
      ok,
      minutes: options.minutes,
      interval_s: options.intervalSeconds,
      samples: series.get(names[0]!)!.rssMiB.length,
      growing,
      load: { rounds: tally.rounds, requests: tally.requests, failed: tally.failed, by_scenario: tally.byScenario, threshold_breaks: tally.thresholdBreaks.length },
      processes: trendsJson(trends),
      ...(ok ? {} : { failures }),
    }),
  );
  return ok ? 0 : 1;
}

try {
  const options = parseArgs(process.argv.slice(2));
  process.exitCode = await soak(options);
} catch (err) {
  const usage = err instanceof UsageError;
  const message = err instanceof Error ? err.message : String(err);
  console.error(`soak: ${message}`);
  if (usage) console.error("usage: ./dev.sh soak --minutes N [--interval 15] [--round 60] [--heap-window 60] [--api-vus 2] [--viewers 8] [--max-growth rss=100,heap=50,fds=50,eld=25] [--watch name=pid]…");
  else console.log(JSON.stringify({ scenario: "soak", ok: false, error: message }));
  process.exitCode = 2;
}
