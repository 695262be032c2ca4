// The edge's own counters (GET /metrics.json on the playback HTTP port), read
// before and after a run: cache hits per tier and origin (MinIO) reads.

type Counters = Record<string, number>;

/** Reads the edge's counters. */
export async function readEdgeCounters(edgeUrl: string): Promise<Counters> {
  const response = await fetch(`${edgeUrl}/metrics.json`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`edge ${edgeUrl}/metrics.json answered ${response.status}`);
  return (await response.json()) as Counters;
}

/** What the run did to the edge's caches. */
export interface EdgeFigures {
  requests: number;
  memoryHitRatio: number;
  /** Of the lookups that missed memory, the share Redis answered. */
  redisHitRatio: number;
  /** Of all lookups, the share answered without MinIO. */
  cacheHitRatio: number;
  originReads: number;
  prefetchOriginReads: number;
  originMiB: number;
}

/** The difference of two readings, as ratios per tier. */
export function edgeFigures(before: Counters, after: Counters): EdgeFigures {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const memoryHits = delta("memoryHits");
  const memoryLookups = memoryHits + delta("memoryMisses");
  const redisHits = delta("redisHits");
  const redisLookups = redisHits + delta("redisMisses");
  return {
    requests: delta("requests"),
    memoryHitRatio: memoryLookups ? memoryHits / memoryLookups : NaN,
    redisHitRatio: redisLookups ? redisHits / redisLookups : NaN,
    cacheHitRatio: memoryLookups ? 1 - delta("originReads") / memoryLookups : NaN,
    originReads: delta("originReads"),
    prefetchOriginReads: delta("prefetchOriginReads"),
    originMiB: delta("originBytes") / 2 ** 20,
  };
}

/** Lines for under the table. */
export function edgeNotes(figures: EdgeFigures): string[] {
  const pct = (ratio: number) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : "n/a");
  return [
    `edge: ${figures.requests} requests; hit ratio memory ${pct(figures.memoryHitRatio)}, redis ${pct(figures.redisHitRatio)} (of memory misses), overall ${pct(figures.cacheHitRatio)}`,
    `edge: origin reads ${figures.originReads} for requests + ${figures.prefetchOriginReads} prefetch, ${figures.originMiB.toFixed(1)} MiB from MinIO`,
  ];
}
