import { serviceMeter } from "../../../lib/telemetry/metrics.ts";
import type { EdgeStats } from "../domain/edge-stats.ts";

/**
 * Exports the edge's in-process counters as OpenTelemetry metrics, read at
 * collection time (nothing is added to the request path).
 */
export function registerEdgeMetrics(stats: EdgeStats, memoryBytes: () => number): void {
  const meter = serviceMeter("playback");
  const lookups = meter.createObservableCounter("xtream.edge.cache.lookups", { description: "Cache lookups by tier and result" });
  const origin = meter.createObservableCounter("xtream.edge.origin.reads", { description: "MinIO reads, by reason" });
  const originBytes = meter.createObservableCounter("xtream.edge.origin.bytes", { description: "Bytes read from MinIO", unit: "By" });
  const coalesced = meter.createObservableCounter("xtream.edge.coalesced", { description: "Requests that joined a fetch in flight" });
  const prefetches = meter.createObservableCounter("xtream.edge.prefetches", { description: "Segment prefetches, by outcome" });
  const redisErrors = meter.createObservableCounter("xtream.edge.redis.errors", { description: "Redis commands failed or skipped" });
  const requests = meter.createObservableCounter("xtream.edge.requests", { description: "HTTP requests" });
  const memory = meter.createObservableGauge("xtream.edge.memory.bytes", { description: "Bytes held by the memory tier", unit: "By" });
  meter.addBatchObservableCallback(
    (result) => {
      result.observe(lookups, stats.memoryHits, { tier: "memory", result: "hit" });
      result.observe(lookups, stats.memoryMisses, { tier: "memory", result: "miss" });
      result.observe(lookups, stats.redisHits, { tier: "redis", result: "hit" });
      result.observe(lookups, stats.redisMisses, { tier: "redis", result: "miss" });
      result.observe(origin, stats.originReads, { reason: "request" });
      result.observe(origin, stats.prefetchOriginReads, { reason: "prefetch" });
      result.observe(originBytes, stats.originBytes);
      result.observe(coalesced, stats.coalesced);
      result.observe(prefetches, stats.prefetched, { outcome: "fetched" });
      result.observe(prefetches, stats.prefetchSkipped, { outcome: "skipped" });
      result.observe(redisErrors, stats.redisErrors);
      result.observe(requests, stats.requests);
      result.observe(memory, memoryBytes());
    },
    [lookups, origin, originBytes, coalesced, prefetches, redisErrors, requests, memory],
  );
}
