/**
 * Counters of the edge's cache tiers, kept in-process so tests and the bench
 * can read them (GET /metrics.json) and exported as OpenTelemetry metrics.
 */
export interface EdgeStats {
  requests: number;
  memoryHits: number;
  memoryMisses: number;
  redisHits: number;
  redisMisses: number;
  /** Redis commands that failed or were skipped because Redis was down. */
  redisErrors: number;
  redisWrites: number;
  /** Reads of MinIO made for a request (one per coalesced group). */
  originReads: number;
  /** Reads of MinIO made by prefetching. */
  prefetchOriginReads: number;
  originNotFound: number;
  originErrors: number;
  originBytes: number;
  /** Requests that joined a fetch already in flight instead of starting one. */
  coalesced: number;
  prefetchQueued: number;
  prefetched: number;
  /** Prefetches dropped because the edge was busy or the queue full. */
  prefetchSkipped: number;
  purges: number;
}

/** A zeroed set of counters. */
export function createEdgeStats(): EdgeStats {
  return {
    requests: 0,
    memoryHits: 0,
    memoryMisses: 0,
    redisHits: 0,
    redisMisses: 0,
    redisErrors: 0,
    redisWrites: 0,
    originReads: 0,
    prefetchOriginReads: 0,
    originNotFound: 0,
    originErrors: 0,
    originBytes: 0,
    coalesced: 0,
    prefetchQueued: 0,
    prefetched: 0,
    prefetchSkipped: 0,
    purges: 0,
  };
}
