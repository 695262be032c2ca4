/**
 * ./dev.sh chaos [--faults a,b,…] [--down 3] [--bound 120] [--viewers 3]:
 * faults under load against the running local stack (loopback only, bounded).
 * Viewers play the load catalogue and an uploader sends real clips while each
 * service (gateway, identity, catalog, upload, transcoder, playback) and each
 * component (redis, postgres, kafka, minio, and the collector when it runs) is
 * killed in turn with SIGKILL. Nothing restarts a killed process locally (no
 * supervisor: ./dev.sh up spawns each one detached with a pid file), so after
 * --down seconds this runner restarts it the way ./dev.sh up does
 * (scripts/stack/<component>.sh start, scripts/stack/services.sh start).
 * After each fault it checks the invariants (lib/chaos-invariants.ts) and that
 * no other process died or keeps restarting, prints a row per fault and last one
 * JSON line. Exits 1 when an invariant broke, 2 on bad usage.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createPublicApi } from "./lib/api.ts";
import { ensureCatalogue } from "./lib/catalogue.ts";
import { checkInvariants, type InvariantResult } from "./lib/chaos-invariants.ts";
import { makeChaosClip, startTraffic, type RequestRecord } from "./lib/chaos-traffic.ts";
import { readProc } from "./lib/soak-sampler.ts";
import { DATA_DIR, localTargets, log, ROOT } from "./lib/run-tools.ts";

const SERVICES = ["gateway", "identity", "catalog", "upload", "transcoder", "playback"];
// Kafka last: today its restart can leave consumers stopped (loadtest/README.md), which would fail every later round.
const COMPONENTS = ["redis", "postgres", "minio", "otelcol", "kafka"];
const PID_DIR = join(ROOT, ".stack", "pids");
/** Viewers must be served again within this long of the restarted process being healthy. */
const VIEWER_RECOVERY_MS = 15_000;
/** After the checks, every process must still be the one seen after the restart for this long. */
const STABLE_MS = 5_000;

interface ChaosOptions {
  faults: string[];
  downSeconds: number;
  boundSeconds: number;
  viewers: number;
}

interface FaultRow {
  fault: string;
  restartedBy: string;
  downS: number;
  healthyS: number;
  viewersOkS: number | null;
  errors: Record<string, number>;
  errorWindowS: number;
  collateral: string[];
  invariants: InvariantResult[];
}

class UsageError extends Error {}

function parseArgs(args: string[], running: string[]): ChaosOptions {
  const options: ChaosOptions = { faults: running, downSeconds: 3, boundSeconds: 120, viewers: 3 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    const number = (min: number, max: number) => {
      const n = Number(value);
      if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be a number from ${min} to ${max}, not ${value}`);
      return n;
    };
    if (flag === "--faults") {
      options.faults = value.split(",").filter(Boolean);
      const unknown = options.faults.filter((fault) => !running.includes(fault));
      if (unknown.length) throw new UsageError(`not running (or not a service/component): ${unknown.join(", ")}; running: ${running.join(", ")}`);
    } else if (flag === "--down") options.downSeconds = number(0, 60);
    else if (flag === "--bound") options.boundSeconds = number(10, 600);
    else if (flag === "--viewers") options.viewers = Math.round(number(1, 20));
    else throw new UsageError(`unknown option ${flag}`);
  }
  return options;
}

const pidName = (name: string) => (SERVICES.includes(name) ? `svc-${name}` : name);

/** The pid and start time of each process of the stack that runs now. */
async function snapshot(): Promise<Map<string, { pid: number; start: number }>> {
  const found = new Map<string, { pid: number; start: number }>();
  for (const name of [...SERVICES, ...COMPONENTS]) {
    const pid = Number((await readFile(join(PID_DIR, `${pidName(name)}.pid`), "utf8").catch(() => "")).trim());
    if (!(pid > 0)) continue;
    const proc = await readProc(pid);
    if (proc) found.set(name, { pid, start: proc.startTicks });
  }
  return found;
}

/** Names whose process is gone or was replaced between two snapshots. */
const changed = (before: Map<string, { pid: number; start: number }>, after: Map<string, { pid: number; start: number }>, except: string) =>
  [...before.keys()].filter((name) => name !== except && (after.get(name)?.pid !== before.get(name)?.pid || after.get(name)?.start !== before.get(name)?.start));

/** Restarts what is not running, as ./dev.sh up does; the component first, then any service that died. */
async function restart(fault: string): Promise<string> {
  const run = promisify(execFile);
  const script = SERVICES.includes(fault) ? "services.sh" : `${fault}.sh`;
  for (let attempt = 1; ; attempt++) {
    try {
      await run("bash", [join(ROOT, "scripts/stack", script), "start"], { cwd: ROOT, timeout: 180_000 });
      break;
    } catch (err) {
      // A SIGKILLed PostgreSQL's backends take a moment to notice and free its shared memory.
      if (attempt >= 3) throw new Error(`scripts/stack/${script} start failed: ${(err as { stderr?: string }).stderr?.slice(-500) ?? (err as Error).message}`, { cause: err });
      log(`  ${script} start failed (attempt ${attempt}); retrying in 3 s`);
      await sleep(3000);
    }
  }
  if (!SERVICES.includes(fault)) await run("bash", [join(ROOT, "scripts/stack/services.sh"), "start"], { cwd: ROOT, timeout: 180_000 });
  return `scripts/stack/${script} start`;
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && (await readProc(pid)); i++) await sleep(50);
}

function errorsBetween(records: RequestRecord[], from: number, to: number): { counts: Record<string, number>; last: number } {
  const counts: Record<string, number> = {};
  let last = 0;
  for (const record of records) {
    if (record.ok || record.t < from || record.t > to) continue;
    counts[record.kind] = (counts[record.kind] ?? 0) + 1;
    last = Math.max(last, record.t);
  }
  return { counts, last };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function main(): Promise<number> {
  const env = process.env;
  const targets = localTargets();
  const before = await snapshot();
  let options: ChaosOptions;
  try {
    options = parseArgs(process.argv.slice(2), [...SERVICES, ...COMPONENTS].filter((name) => before.has(name)));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`usage: ./dev.sh chaos [--faults gateway,redis,…] [--down 3] [--bound 120] [--viewers 3]\n${err.message}`);
      return 2;
    }
    throw err;
  }
  const missing = SERVICES.filter((name) => !before.has(name));
  if (missing.length) {
    console.error(`error: not running: ${missing.join(", ")} (run ./dev.sh up first)`);
    return 2;
  }
  log(`chaos: faults ${options.faults.join(", ")}; down ${options.downSeconds} s each, bound ${options.boundSeconds} s; nothing restarts a killed process locally, so this runner restarts it as ./dev.sh up does`);
  const api = createPublicApi(targets.gatewayUrl);
  const catalogue = await ensureCatalogue({ gatewayUrl: targets.gatewayUrl, clips: 3, logins: 1 });
  const clip = await makeChaosClip(env["FFMPEG_PATH"] ?? "ffmpeg", join(DATA_DIR, "chaos", "clip-4s.mp4"), 4);
  const runId = new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14);
  const traffic = startTraffic({
    gatewayUrl: targets.gatewayUrl,
    api,
    token: catalogue.owner.accessToken,
    channelId: catalogue.channelId,
    videoIds: catalogue.videos.map((video) => video.id),
    clip,
    titlePrefix: `chaos ${runId}`,
    viewers: options.viewers,
    uploadEveryMs: 4000,
    maxUploads: 10 * options.faults.length,
    uploadDeadlineMs: 90_000,
  });
  const rows: FaultRow[] = [];
  try {
    log("warming up for 8 s (viewers playing, first upload going)");
    await sleep(8000);
    for (const fault of options.faults) {
      // A fresh token each round: a run can outlive one access token.
      traffic.setToken((await ensureCatalogue({ gatewayUrl: targets.gatewayUrl, clips: 3, logins: 1 })).owner.accessToken);
      const start = await snapshot();
      const target = start.get(fault);
      if (!target) throw new Error(`${fault} is not running before its round`);
      const abandonedBefore = traffic.abandoned.length;
      log(`${fault}: SIGKILL pid ${target.pid}${traffic.uploading() ? " (an upload in flight)" : ""}`);
      const killedAt = Date.now();
      process.kill(target.pid, "SIGKILL");
      await waitGone(target.pid);
      await sleep(options.downSeconds * 1000);
      const collateral = changed(start, await snapshot(), fault);
      if (collateral.length) log(`${fault}: also gone while it was down: ${collateral.join(", ")}`);
      const restartedBy = await restart(fault);
      const healthyAt = Date.now();
      log(`${fault}: restarted by ${restartedBy} after ${seconds(healthyAt - killedAt)} s`);
      const afterRestart = await snapshot();
      let viewersOkAt: number | null = null;
      while (viewersOkAt === null && Date.now() < healthyAt + options.boundSeconds * 1000) {
        viewersOkAt = traffic.records.find((record) => record.kind === "edge" && record.ok && record.t > healthyAt)?.t ?? null;
        if (viewersOkAt === null) await sleep(250);
      }
      log(`${fault}: checking invariants (up to ${options.boundSeconds} s; ${traffic.uploads.length} upload(s) finished so far)`);
      const invariants = await checkInvariants({
        api,
        gatewayUrl: targets.gatewayUrl,
        token: catalogue.owner.accessToken,
        channelId: catalogue.channelId,
        uploads: [...traffic.uploads],
        databaseUrl: env["DATABASE_URL"] ?? "",
        kafkaBrokers: (env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","),
        boundMs: options.boundSeconds * 1000,
      });
      await sleep(STABLE_MS);
      const end = Date.now();
      const restarted = changed(afterRestart, await snapshot(), "");
      const { counts, last } = errorsBetween(traffic.records, killedAt, end);
      const lateViewerErrors = traffic.records.filter((r) => !r.ok && r.kind !== "upload" && r.t > healthyAt + VIEWER_RECOVERY_MS && r.t <= end).length;
      const viewerErrors = (counts["edge"] ?? 0) + (counts["playback_info"] ?? 0);
      // Viewers were served again at the first edge success after their last error (0: never interrupted).
      const lastViewerError = Math.max(0, ...traffic.records.filter((r) => !r.ok && r.kind !== "upload" && r.t >= killedAt && r.t <= end).map((r) => r.t));
      if (viewersOkAt !== null) viewersOkAt = lastViewerError ? (traffic.records.find((r) => r.kind === "edge" && r.ok && r.t > lastViewerError)?.t ?? null) : killedAt;
      const newlyAbandoned = traffic.abandoned.slice(abandonedBefore);
      invariants.push(
        { name: "no_crash_loop", ok: restarted.length === 0 && collateral.length === 0, detail: [collateral.length ? `died with the fault: ${collateral.join(", ")}` : "", restarted.length ? `gone or restarted after: ${restarted.join(", ")}` : ""].filter(Boolean).join("; ") || "every process stayed up" },
        {
          name: "viewers_recover",
          ok: viewersOkAt !== null && lateViewerErrors === 0 && (fault !== "redis" || viewerErrors === 0),
          detail: `served again ${viewersOkAt === null ? "never" : `${seconds(viewersOkAt - killedAt)} s after the kill`}; ${lateViewerErrors} viewer error(s) later than ${VIEWER_RECOVERY_MS / 1000} s after the restart${fault === "redis" ? `; ${viewerErrors} during (Redis: none allowed)` : ""}`,
        },
        { name: "uploads_complete", ok: newlyAbandoned.length === 0, detail: newlyAbandoned.length ? newlyAbandoned.join("; ") : "no upload given up" },
      );
      const row: FaultRow = {
        fault,
        restartedBy,
        downS: options.downSeconds,
        healthyS: seconds(healthyAt - killedAt),
        viewersOkS: viewersOkAt === null ? null : seconds(viewersOkAt - killedAt),
        errors: counts,
        errorWindowS: last ? seconds(last - killedAt) : 0,
        collateral,
        invariants,
      };
      rows.push(row);
      const broken = invariants.filter((result) => !result.ok);
      log(`${fault}: ${broken.length ? `BROKEN ${broken.map((r) => `${r.name} (${r.detail})`).join("; ")}` : "invariants held"}`);
    }
  } finally {
    await traffic.stop();
  }
  printTable(rows);
  const ok = rows.every((row) => row.invariants.every((result) => result.ok));
  console.log(
    JSON.stringify({
      ok,
      uploads: traffic.uploads.length,
      abandoned_uploads: traffic.abandoned.length,
      requests: traffic.records.length,
      faults: rows.map((row) => ({
        fault: row.fault,
        restarted_by: row.restartedBy,
        healthy_s: row.healthyS,
        viewers_ok_s: row.viewersOkS,
        errors: row.errors,
        error_window_s: row.errorWindowS,
        invariants_held: row.invariants.every((result) => result.ok),
        broken: row.invariants.filter((result) => !result.ok).map((result) => ({ name: result.name, detail: result.detail })),
      })),
    }),
  );
  return ok ? 0 : 1;
}

function printTable(rows: FaultRow[]): void {
  const header = ["fault", "healthy s", "viewers ok s", "errors (info/edge/upload)", "error window s", "invariants"];
  const lines = rows.map((row) => [
    row.fault,
    String(row.healthyS),
    row.viewersOkS === null ? "never" : String(row.viewersOkS),
    `${row.errors["playback_info"] ?? 0}/${row.errors["edge"] ?? 0}/${row.errors["upload"] ?? 0}`,
    String(row.errorWindowS),
    row.invariants.every((result) => result.ok) ? "held" : `BROKEN: ${row.invariants.filter((r) => !r.ok).map((r) => r.name).join(",")}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  console.log(format(header));
  for (const line of lines) console.log(format(line));
  for (const row of rows) for (const result of row.invariants.filter((r) => !r.ok)) console.log(`  ${row.fault}: ${result.name}: ${result.detail}`);
  console.log("healthy s: from the SIGKILL until the restart script reported it up (includes --down); viewers ok s: until a viewer was served by the edge after its last error (0: never interrupted); error window s: from the SIGKILL to the last failed request.");
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`error: ${(err as Error).stack ?? String(err)}`);
  return 2;
});
