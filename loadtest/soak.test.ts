// Runs `soak --minutes 1` against the running platform with its observability
// stack (started here as ./dev.sh up --observability would, if it is not
// running) and checks what a release gate reads: the JSON line and the exit
// code. Beside the services it watches two extra processes that export the
// same runtime metrics: one that really leaks (heap, RSS and file descriptors)
// and one that only churns garbage. The leak must be caught on every figure
// and the steady one must pass. A minute is too short to judge the services
// themselves (they warm up); `./dev.sh soak --minutes 10` does that, and
// loadtest/lib/soak-trend.test.ts checks the verdict on synthetic series.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureObservabilityStack, ports, type ObservabilityStack } from "../test/observability/observability-stack.ts";
import { runForJson, type CommandVerdict } from "./lib/run-for-json.ts";

const ROOT = join(import.meta.dirname, "..");
let stack: ObservabilityStack | undefined;
const fixtures: Record<string, ChildProcess> = {};

/** Starts loadtest/lib/soak-fixture.ts exporting its runtime metrics to the collector every 2 s. */
function startFixture(mode: "leak" | "steady"): ChildProcess {
  const child = spawn(process.execPath, ["--import", "./lib/telemetry/register.ts", "loadtest/lib/soak-fixture.ts", mode], {
    cwd: ROOT,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlpGrpc}`, OTEL_METRIC_EXPORT_INTERVAL: "2000", OTEL_SERVICE_NAME: `xtream-soak-${mode}` },
    stdio: "ignore",
  });
  fixtures[mode] = child;
  return child;
}

/** Runs `node loadtest/soak.ts …`. */
function soak(args: string[]): Promise<CommandVerdict> {
  return runForJson("soak.ts", args, { LOADTEST_CLIPS: "3", LOADTEST_LATENCY_SCALE: "100" });
}

beforeAll(async () => {
  stack = await ensureObservabilityStack();
  startFixture("leak");
  startFixture("steady");
}, 300_000);

afterAll(async () => {
  for (const child of Object.values(fixtures)) child.kill("SIGKILL");
  await stack?.restore();
}, 300_000);

type Figure = { after_warmup: number | null; end: number | null; slope_per_h: number | null; growing: boolean };
type Processes = Record<string, Record<"rss_mib" | "heap_mib" | "fds" | "eld_p99_ms", Figure>>;

describe("./dev.sh soak", () => {
  it("samples every service, catches a process that leaks on heap, RSS and fds, passes a steady one, and exits 1", async () => {
    const { code, json, stdout } = await soak([
      "--minutes", "1", "--interval", "4", "--round", "20", "--heap-window", "10",
      // A minute extrapolated to an hour magnifies any drift 60 times: bounds far above a steady process's and far below the leak's (~9 GiB/h, 3,600 fds/h).
      "--max-growth", "rss=600,heap=300,fds=300,eld=100000",
      "--watch", `leak=${fixtures["leak"]!.pid}`, "--watch", `steady=${fixtures["steady"]!.pid}`,
    ]);
    expect(stdout).toMatch(/time\s+catalog\s+gateway\s+identity\s+playback\s+transcoder\s+upload\s+leak\s+steady/);
    expect(stdout).toMatch(/process\s+figure\s+after warm-up\s+end\s+slope\/h/);
    const processes = json["processes"] as Processes;
    // Every service, with every figure read from /proc and from its own metrics.
    for (const name of ["catalog", "gateway", "identity", "playback", "transcoder", "upload"]) {
      for (const figure of ["rss_mib", "heap_mib", "fds", "eld_p99_ms"] as const) {
        expect(processes[name]?.[figure]?.end, `${name} ${figure}`).toBeGreaterThan(0);
        expect(typeof processes[name]?.[figure]?.slope_per_h, `${name} ${figure}`).toBe("number");
      }
    }
    expect(processes["leak"]!.heap_mib.growing, JSON.stringify(processes["leak"])).toBe(true);
    expect(processes["leak"]!.rss_mib.growing).toBe(true);
    expect(processes["leak"]!.fds.growing).toBe(true);
    expect(processes["leak"]!.heap_mib.end!).toBeGreaterThan(processes["leak"]!.heap_mib.after_warmup! + 10);
    for (const figure of ["rss_mib", "heap_mib", "fds"] as const) expect(processes["steady"]![figure].growing, `steady ${figure}: ${JSON.stringify(processes["steady"])}`).toBe(false);
    expect(json["growing"]).toEqual(expect.arrayContaining(["leak heap_mib", "leak rss_mib", "leak fds"]));
    expect((json["growing"] as string[]).filter((g) => g.startsWith("steady"))).toEqual([]);
    // The load ran and did not fail.
    const load = json["load"] as { rounds: number; requests: number; failed: number };
    expect(load.rounds).toBeGreaterThanOrEqual(2);
    expect(load.requests).toBeGreaterThan(0);
    expect(load.failed).toBe(0);
    expect((json["failures"] as string[]).filter((f) => f.startsWith("load:"))).toEqual([]);
    expect(json["ok"]).toBe(false);
    expect(code).toBe(1);
  }, 600_000);

  it("refuses bad usage with exit 2", async () => {
    await expect(soak(["--minutes", "0"])).rejects.toThrow(/no JSON last line \(exit 2\)/);
    await expect(soak(["--interval", "5"])).rejects.toThrow(/no JSON last line \(exit 2\)/);
  });
});
