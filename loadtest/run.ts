/**
 * ./dev.sh load <scenario> [--vus N] [--duration 30s]: runs one load scenario
 * against the local stack (loopback only), prints a table and, last, one JSON
 * line; exits 1 when one of the scenario's thresholds broke, 2 on bad usage.
 *   smoke    health checks and Connect GET listings through the gateway (k6)
 *   api      ghz through the gateway (server reflection), a realistic mix of RPCs
 *   viewers  k6 viewers playing HLS through the edge, popularity-skewed
 *   uploads  concurrent resumable uploads while viewers play
 */
import { api } from "./api.ts";
import type { Catalogue } from "./lib/catalogue.ts";
import { log, localTargets, parseDuration, type Targets } from "./lib/run-tools.ts";
import { printReport, type ScenarioResult } from "./lib/report.ts";
import { smoke } from "./smoke.ts";
import { uploads } from "./uploads.ts";
import { viewers } from "./viewers.ts";

/** What every scenario is given. */
export interface ScenarioOptions {
  targets: Targets;
  /** Virtual users (k6) or concurrency (ghz); each scenario has its default. */
  vus?: number;
  durationSeconds?: number;
  /** Clips in the scenarios' catalogue (LOADTEST_CLIPS, default 12). */
  clips?: number;
  /** A catalogue already made and signed in (the soak runs many scenarios on one); otherwise each run makes sure of it. */
  catalogue?: Catalogue;
  /** uploads: at most this many uploads per uploader (default 10). */
  uploadsEach?: number;
}

const scenarios: Record<string, (options: ScenarioOptions) => Promise<ScenarioResult>> = { smoke, api, viewers, uploads };

function usage(): never {
  console.error(`usage: ./dev.sh load ${Object.keys(scenarios).join("|")} [--vus N] [--duration 30s]`);
  process.exit(2);
}

const [name, ...rest] = process.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!scenario) usage();
const options: ScenarioOptions = { targets: localTargets(), clips: process.env["LOADTEST_CLIPS"] ? Number(process.env["LOADTEST_CLIPS"]) : undefined };
for (let i = 0; i < rest.length; i += 2) {
  const value = rest[i + 1];
  if (value === undefined) usage();
  if (rest[i] === "--vus" && /^\d+$/.test(value) && Number(value) > 0) options.vus = Number(value);
  else if (rest[i] === "--duration") options.durationSeconds = parseDuration(value);
  else usage();
}
// Bounded: a scenario never runs longer than 30 minutes, whatever it is asked.
if ((options.durationSeconds ?? 0) > 1800) {
  console.error("--duration is at most 30m");
  process.exit(2);
}

try {
  log(`${name}: gateway ${options.targets.gatewayUrl}, edge ${options.targets.edgeUrl}`);
  process.exitCode = printReport(await scenario(options));
} catch (err) {
  console.error(`load ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
  console.log(JSON.stringify({ scenario: name, ok: false, error: err instanceof Error ? err.message : String(err) }));
  process.exitCode = 1;
}
