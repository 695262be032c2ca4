// api: ghz through the gateway (gRPC over h2c; the gateway's server reflection
// describes the methods, no .proto files), a realistic mix of public RPCs run
// side by side at fixed rates: mostly reads of videos, feeds and search,
// playback info, and a trickle of logins.
import { ensureCatalogue } from "./lib/catalogue.ts";
import { cycle, runGhz, type GhzCall } from "./lib/ghz.ts";
import type { ScenarioResult } from "./lib/report.ts";
import { latencyScale } from "./lib/run-tools.ts";
import type { ScenarioOptions } from "./run.ts";

/** Share of the total rate per method, and the p99 (ms) each must stay under: the thresholds. */
const MIX = [
  { name: "GetVideo", call: "xtream.catalog.v1.VideoService.GetVideo", share: 0.4, p99Ms: 250 },
  { name: "ListFeed", call: "xtream.catalog.v1.VideoService.ListFeed", share: 0.15, p99Ms: 500 },
  { name: "SearchVideos", call: "xtream.catalog.v1.SearchService.SearchVideos", share: 0.2, p99Ms: 500 },
  { name: "GetPlaybackInfo", call: "xtream.playback.v1.PlaybackService.GetPlaybackInfo", share: 0.25, p99Ms: 500 },
] as const;
/** Logins are rare and cost a password hash each: a fixed 1/s over a pool of accounts (identity allows 5/min per account). */
const LOGIN = { name: "Login", call: "xtream.identity.v1.IdentityService.Login", rps: 1, p99Ms: 1500 };
/** At most this share of calls may fail, and each method must reach this share of its target rate. */
const MAX_ERROR_RATIO = 0.01;
const MIN_RATE_RATIO = 0.9;

/** Default: concurrency 20 (the --vus), 10 calls/s per unit of it → 200 calls/s in all, for 20 s. */
export async function api(options: ScenarioOptions): Promise<ScenarioResult> {
  const catalogue = options.catalogue ?? (await ensureCatalogue({ gatewayUrl: options.targets.gatewayUrl, clips: options.clips }));
  const concurrency = options.vus ?? 20;
  const durationSeconds = options.durationSeconds ?? 20;
  const totalRps = concurrency * 10;
  // Popularity skew: the first videos come up far more often than the last.
  const hot = catalogue.videos.flatMap((video, index) => Array.from({ length: Math.max(1, Math.round(8 / (index + 1))) }, () => video.id));
  const data: Record<string, string> = {
    GetVideo: `{"video_id":"${cycle(hot)}"}`,
    ListFeed: `{"order":"${cycle(["FEED_ORDER_LATEST", "FEED_ORDER_LATEST", "FEED_ORDER_MOST_VIEWED"])}","page_size":24}`,
    SearchVideos: `{"query":"${cycle(["load test clip", "clip", "test clip 3", "lod tset", "nothing matches this"])}","page_size":10}`,
    GetPlaybackInfo: `{"video_id":"${cycle(hot)}"}`,
  };
  const calls: (GhzCall & { p99Ms: number })[] = MIX.map((m) => ({
    name: m.name,
    call: m.call,
    data: data[m.name]!,
    rps: Math.max(1, Math.round(totalRps * m.share)),
    // Workers enough to hold the rate at up to 500 ms a call.
    concurrency: Math.max(4, Math.round(concurrency * m.share * 5)),
    durationSeconds,
    target: options.targets.gatewayAddress,
    p99Ms: m.p99Ms * latencyScale(),
  }));
  calls.push({
    ...LOGIN,
    p99Ms: LOGIN.p99Ms * latencyScale(),
    data: `{"email":"${cycle(catalogue.logins.map((a) => a.email))}","password":"${cycle(catalogue.logins.map((a) => a.password))}"}`,
    concurrency: 2,
    durationSeconds,
    target: options.targets.gatewayAddress,
  });

  const results = await Promise.all(calls.map((call) => runGhz(call)));
  const failures: string[] = [];
  results.forEach(({ row }, index) => {
    const call = calls[index]!;
    const failed = Object.values(row.errors).reduce((a, b) => a + b, 0);
    if (failed > MAX_ERROR_RATIO * Math.max(1, row.requests)) failures.push(`${row.name}: ${failed} of ${row.requests} calls failed (${JSON.stringify(row.errors)}), over ${MAX_ERROR_RATIO * 100}%`);
    if (!(row.p99Ms < call.p99Ms)) failures.push(`${row.name}: p99 ${row.p99Ms.toFixed(1)} ms, over ${call.p99Ms} ms`);
    // Two calls of slack: ghz paces from the first tick and cuts the last calls in flight.
    if (row.requests < MIN_RATE_RATIO * call.rps * durationSeconds - 2) failures.push(`${row.name}: ${row.rps.toFixed(1)} calls/s, under ${MIN_RATE_RATIO * 100}% of the target ${call.rps}/s`);
  });
  const get = results[0]!.row;
  return {
    scenario: "api",
    rows: results.map((r) => r.row),
    failures,
    figures: { duration_s: durationSeconds, concurrency, target_rps: calls.reduce((sum, c) => sum + c.rps, 0), getvideo_p99_ms: get.p99Ms, max_p99_ms: Math.max(...results.map((r) => r.row.p99Ms)) },
  };
}
