// smoke: health checks and listing videos with Connect GET, through the gateway (k6).
import { ensureCatalogue } from "./lib/catalogue.ts";
import { runK6 } from "./lib/k6.ts";
import type { ScenarioResult } from "./lib/report.ts";
import type { ScenarioOptions } from "./run.ts";

/** Default size: 10 VUs for 15 s. Thresholds are in loadtest/k6/smoke.js. */
export async function smoke(options: ScenarioOptions): Promise<ScenarioResult> {
  const catalogue = options.catalogue ?? (await ensureCatalogue({ gatewayUrl: options.targets.gatewayUrl, clips: options.clips }));
  const run = await runK6(
    "smoke",
    { GATEWAY_URL: options.targets.gatewayUrl, CHANNEL_ID: catalogue.channelId, VUS: String(options.vus ?? 10), DURATION: `${options.durationSeconds ?? 15}s` },
    ["health", "feed", "channel_videos", "search"],
  );
  const p99 = (kind: string) => run.rows.find((row) => row.name === kind)?.p99Ms ?? NaN;
  return {
    scenario: "smoke",
    rows: run.rows,
    failures: run.broken,
    figures: { duration_s: run.durationSeconds, vus: options.vus ?? 10, health_p99_ms: p99("health"), feed_p99_ms: p99("feed"), checks_rate: run.metrics["checks"]?.values["rate"] ?? NaN },
  };
}
