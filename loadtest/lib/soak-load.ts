// The soak's load: the load scenarios run in rounds, side by side, at a
// modest fixed size, until the deadline. Every round runs `api` (ghz at a
// fixed rate), `smoke` (Connect GET listings, 1 VU) and either `viewers` or,
// every other round, `uploads` (the same viewers plus 3 uploads of 20 MiB),
// so the mix stays the same from one minute to the next and a trend in the
// samples is the processes', not the load's.
import { api } from "../api.ts";
import { smoke } from "../smoke.ts";
import { uploads } from "../uploads.ts";
import { viewers } from "../viewers.ts";
import type { ScenarioOptions } from "../run.ts";
import { ensureCatalogue, type Catalogue } from "./catalogue.ts";
import type { ScenarioResult } from "./report.ts";
import { log, type Targets } from "./run-tools.ts";

/** How big the soak's load is. */
export interface SoakLoadOptions {
  targets: Targets;
  /** Stop starting rounds after this moment (ms since the epoch); a round never runs past it. */
  deadline: number;
  /** Seconds per round (each scenario runs this long). */
  roundSeconds: number;
  /** `api`'s --vus: 10 calls/s each, plus 1 login/s. */
  apiVus: number;
  /** Viewers (k6 VUs) in `viewers` and `uploads`. */
  viewerVus: number;
  clips?: number;
}

/** What the load did, per scenario and in all. */
export interface LoadTally {
  rounds: number;
  requests: number;
  failed: number;
  byScenario: Record<string, { runs: number; requests: number; failed: number }>;
  /** Scenario runs that could not run at all (an exception), each with its message. */
  crashed: string[];
  /** Latency or rate thresholds the runs broke (reported, not fatal: `./dev.sh load` gates latency). */
  thresholdBreaks: string[];
}

/** The soak fails when more than this share of its requests failed. */
export const MAX_FAILED_SHARE = 0.01;
/** Access tokens live 15 minutes: sign the catalogue's owner in again this often. */
const CATALOGUE_REFRESH_MS = 10 * 60_000;
/** Uploads per uploader in an `uploads` round (3 uploaders). */
const UPLOADS_EACH = 1;
/** A round shorter than this is not worth starting. */
const MIN_ROUND_SECONDS = 10;

/** Runs rounds until the deadline; never throws (a failed scenario run is counted in `crashed`). */
export async function runSoakLoad(options: SoakLoadOptions, catalogue: Catalogue): Promise<LoadTally> {
  const tally: LoadTally = { rounds: 0, requests: 0, failed: 0, byScenario: {}, crashed: [], thresholdBreaks: [] };
  let signedInAt = Date.now();
  for (;;) {
    const seconds = Math.min(options.roundSeconds, Math.floor((options.deadline - Date.now()) / 1000));
    if (seconds < MIN_ROUND_SECONDS) break;
    if (Date.now() - signedInAt > CATALOGUE_REFRESH_MS) {
      catalogue = await ensureCatalogue({ gatewayUrl: options.targets.gatewayUrl, clips: options.clips }).catch((err: unknown) => {
        tally.crashed.push(`signing the catalogue in again: ${message(err)}`);
        return catalogue;
      });
      signedInAt = Date.now();
    }
    const base: ScenarioOptions = { targets: options.targets, clips: options.clips, catalogue, durationSeconds: seconds };
    const http = tally.rounds % 2 === 1 ? () => uploads({ ...base, vus: options.viewerVus, uploadsEach: UPLOADS_EACH }) : () => viewers({ ...base, vus: options.viewerVus });
    log(`soak round ${tally.rounds + 1}: ${seconds} s of api, smoke and ${tally.rounds % 2 === 1 ? "uploads" : "viewers"}`);
    await Promise.all([count(tally, "api", () => api({ ...base, vus: options.apiVus })), count(tally, "smoke", () => smoke({ ...base, vus: 1 })), count(tally, tally.rounds % 2 === 1 ? "uploads" : "viewers", http)]);
    tally.rounds++;
  }
  return tally;
}

/** True when the load itself failed: a scenario could not run, or too many requests failed. */
export function loadFailed(tally: LoadTally): string[] {
  const reasons = tally.crashed.map((crash) => `load: ${crash}`);
  if (tally.rounds === 0) reasons.push("load: no round ran");
  if (tally.failed > MAX_FAILED_SHARE * Math.max(1, tally.requests)) reasons.push(`load: ${tally.failed} of ${tally.requests} requests failed, over ${MAX_FAILED_SHARE * 100}%`);
  return reasons;
}

async function count(tally: LoadTally, name: string, run: () => Promise<ScenarioResult>): Promise<void> {
  const entry = (tally.byScenario[name] ??= { runs: 0, requests: 0, failed: 0 });
  entry.runs++;
  try {
    const result = await run();
    const requests = result.rows.reduce((sum, row) => sum + row.requests, 0);
    const failed = result.rows.reduce((sum, row) => sum + Object.values(row.errors).reduce((a, b) => a + b, 0), 0);
    entry.requests += requests;
    entry.failed += failed;
    tally.requests += requests;
    tally.failed += failed;
    for (const failure of result.failures) tally.thresholdBreaks.push(`${name} (round ${tally.rounds + 1}): ${failure}`);
    if (failed > 0) log(`soak: ${name} had ${failed} failed request(s) of ${requests}`);
  } catch (err) {
    tally.crashed.push(`${name} (round ${tally.rounds + 1}): ${message(err)}`);
    log(`soak: ${name} failed: ${message(err)}`);
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
