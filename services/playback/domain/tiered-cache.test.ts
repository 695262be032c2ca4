import { describe, expect, it } from "vitest";
import { createEdgeStats } from "./edge-stats.ts";
import type { MediaObject } from "./ports.ts";
import { createTieredCache } from "./tiered-cache.ts";

/** An origin whose reads wait until released; a shared tier that never has anything. */
function parts() {
  const waiting: (() => void)[] = [];
  const origin = {
    get: async (key: string) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return Buffer.from(`bytes of ${key}`);
    },
  };
  const shared = { get: async (): Promise<MediaObject | undefined> => undefined, set: async () => undefined, purgeVideo: async () => undefined };
  const cache = createTieredCache({
    origin,
    shared,
    stats: createEdgeStats(),
    memoryMaxBytes: 1 << 20,
    memoryMaxObjectBytes: 1 << 20,
    sharedMaxObjectBytes: 0,
    sharedTtlMs: 1000,
    volatileTtlMs: 1000,
    prefetchCount: 0,
    prefetchConcurrency: 1,
  });
  const release = async () => {
    while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
    waiting.splice(0).forEach((resolve) => resolve());
  };
  return { cache, release };
}

const hints = (videoId: string) => ({ videoId, isFinal: () => true });

describe("createTieredCache", () => {
  it("does not keep what a load read before a purge of its video, and forgets the purge once the load ends", async () => {
    const { cache, release } = parts();
    const loading = cache.get("videos/v/720p/seg_00000.ts", hints("v"));
    expect(cache.loadingVideos).toBe(1);
    await cache.purgeVideo("v");
    await release();
    expect((await loading)?.object.body.toString()).toBe("bytes of videos/v/720p/seg_00000.ts");
    expect(cache.peek("videos/v/720p/seg_00000.ts")).toBeUndefined();
    expect(cache.loadingVideos).toBe(0);
    // The next load after the purge is kept.
    const again = cache.get("videos/v/720p/seg_00000.ts", hints("v"));
    await release();
    await again;
    expect(cache.peek("videos/v/720p/seg_00000.ts")).toBeDefined();
  });

  it("keeps nothing per video for purges of videos it is not loading", async () => {
    const { cache } = parts();
    for (let index = 0; index < 1000; index++) await cache.purgeVideo(`gone-${index}`);
    expect(cache.loadingVideos).toBe(0);
  });
});
