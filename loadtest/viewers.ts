// viewers: k6 virtual viewers playing HLS through the edge (loadtest/k6/viewers.js),
// with the edge's cache figures per tier read from its counters around the run.
import { ensureCatalogue, type Catalogue } from "./lib/catalogue.ts";
import { edgeFigures, edgeNotes, readEdgeCounters, type EdgeFigures } from "./lib/edge-metrics.ts";
import { runK6, type K6Run } from "./lib/k6.ts";
import type { ScenarioResult } from "./lib/report.ts";
import type { ScenarioOptions } from "./run.ts";

/** The healthy segment p99 (ms) on this machine; the k6 script holds the other thresholds. */
export const SEGMENT_P99_MS = 500;
/** Default: 40 viewers for 30 s (sized for a 2-core machine that also runs the whole stack). */
export const DEFAULT_VIEWERS = 40;
const KINDS = ["playback_info", "master", "media_playlist", "segment"];

/** Runs the viewers (optionally told when uploads start) and reads the edge around them. */
export async function playViewers(options: ScenarioOptions, catalogue: Catalogue, extraEnv: Record<string, string> = {}): Promise<{ run: K6Run; edge: EdgeFigures }> {
  const before = await readEdgeCounters(options.targets.edgeUrl);
  const run = await runK6(
    "viewers",
    {
      GATEWAY_URL: options.targets.gatewayUrl,
      VIDEO_IDS: JSON.stringify(catalogue.videos.map((v) => v.id)),
      VUS: String(options.vus ?? DEFAULT_VIEWERS),
      DURATION: `${options.durationSeconds ?? 30}s`,
      SEGMENT_P99_MS: String(SEGMENT_P99_MS),
      ...extraEnv,
    },
    KINDS,
  );
  const edge = edgeFigures(before, await readEdgeCounters(options.targets.edgeUrl));
  return { run, edge };
}

/** The edge figures for the JSON line. */
export function edgeJson(edge: EdgeFigures) {
  return {
    memory_hit_ratio: edge.memoryHitRatio,
    redis_hit_ratio: edge.redisHitRatio,
    cache_hit_ratio: edge.cacheHitRatio,
    origin_reads: edge.originReads,
    prefetch_origin_reads: edge.prefetchOriginReads,
  };
}

export async function viewers(options: ScenarioOptions): Promise<ScenarioResult> {
  const catalogue = options.catalogue ?? (await ensureCatalogue({ gatewayUrl: options.targets.gatewayUrl, clips: options.clips }));
  const { run, edge } = await playViewers(options, catalogue);
  const segment = run.rows.find((row) => row.name === "segment")!;
  return {
    scenario: "viewers",
    rows: run.rows,
    failures: run.broken,
    notes: [`catalogue: ${catalogue.videos.length} videos, popularity 1/rank^1.2`, ...edgeNotes(edge)],
    figures: {
      duration_s: run.durationSeconds,
      vus: options.vus ?? DEFAULT_VIEWERS,
      videos: catalogue.videos.length,
      segment_rps: segment.rps,
      segment_p99_ms: segment.p99Ms,
      ...edgeJson(edge),
    },
  };
}
