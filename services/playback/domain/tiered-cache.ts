import { createHash } from "node:crypto";
import { createByteLru } from "./byte-lru.ts";
import type { EdgeStats } from "./edge-stats.ts";
import type { MediaObject, MediaOrigin, SharedCache } from "./ports.ts";

/**
 * A cached object plus a slot the HTTP layer fills with what it derives from
 * it once (response headers, compressed variants), so hits cost no work.
 */
export interface CacheEntry {
  key: string;
  videoId: string;
  object: MediaObject;
  /** Wall-clock ms after which the entry is stale (Infinity for final objects). */
  expiresAtMs: number;
  prepared: unknown;
  /** For media playlists: the segment URIs in order (parsed on first use). */
  segments?: string[];
}

/** How to classify a freshly read object. */
export interface LoadHints {
  videoId: string;
  /** Whether the object is final (decided by the caller from kind and content). */
  isFinal(body: Buffer): boolean;
}

export interface TieredCacheOptions {
  origin: MediaOrigin;
  shared: SharedCache;
  stats: EdgeStats;
  /** In-process tier bound; 0 turns the memory tier off. */
  memoryMaxBytes: number;
  memoryMaxObjectBytes: number;
  /** Objects larger than this skip Redis. */
  sharedMaxObjectBytes: number;
  /** Redis TTL of final objects. */
  sharedTtlMs: number;
  /** TTL (both tiers) of objects that still change: growing playlists. */
  volatileTtlMs: number;
  /** Segments fetched ahead of the one requested. */
  prefetchCount: number;
  prefetchConcurrency: number;
  /** True while the edge is busy serving: prefetching then waits its turn or is dropped. */
  busy?: () => boolean;
  now?: () => number;
}

/** The edge's cache: memory → Redis → MinIO with coalesced misses and prefetch. */
export interface TieredCache {
  /** A fresh memory entry, synchronously (the hot path), or undefined. */
  peek(key: string): CacheEntry | undefined;
  /** The object through the tiers; undefined when the origin has no such object. */
  get(key: string, hints: LoadHints): Promise<CacheEntry | undefined>;
  /** Fetches the segments after `file` in the rendition's playlist, in the background. */
  prefetchAfter(playlistKey: string, file: string, folderKey: string, hints: LoadHints): void;
  /** Drops every object of the video from memory and Redis. */
  purgeVideo(videoId: string): Promise<void>;
  readonly memoryBytes: number;
  /** Videos with loads in flight (the only ones a purge records an epoch for). */
  readonly loadingVideos: number;
}

/** A strong ETag from the content: identical on every edge for the same bytes. */
export function contentEtag(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** Creates the two-tier cache in front of the origin. */
export function createTieredCache(options: TieredCacheOptions): TieredCache {
  const { stats } = options;
  const now = options.now ?? Date.now;
  const memory = createByteLru<CacheEntry>({ maxBytes: options.memoryMaxBytes, maxItemBytes: options.memoryMaxObjectBytes });
  const inflight = new Map<string, Promise<CacheEntry | undefined>>();
  /**
   * Bumped by a purge, so fetches that started before it do not store stale
   * bytes. Only videos with loads in flight need one (loading counts them),
   * and the entry goes when the last load ends: the maps stay as small as
   * the work in flight, whatever number of videos is purged over time.
   */
  const epochs = new Map<string, number>();
  const loading = new Map<string, number>();
  const queue: { key: string; hints: LoadHints }[] = [];
  let prefetchRunning = 0;

  const epochOf = (videoId: string) => epochs.get(videoId) ?? 0;

  const remember = (key: string, videoId: string, object: MediaObject): CacheEntry => {
    const ttl = object.final ? Infinity : options.volatileTtlMs;
    const entry: CacheEntry = { key, videoId, object, expiresAtMs: now() + ttl, prepared: undefined };
    memory.set(key, entry, object.body.length + 256);
    return entry;
  };

  const load = async (key: string, hints: LoadHints, prefetch: boolean): Promise<CacheEntry | undefined> => {
    const epoch = epochOf(hints.videoId);
    const fromShared = await options.shared.get(key);
    if (fromShared) {
      stats.redisHits++;
      if (epoch !== epochOf(hints.videoId)) return { key, videoId: hints.videoId, object: fromShared, expiresAtMs: 0, prepared: undefined };
      return remember(key, hints.videoId, fromShared);
    }
    stats.redisMisses++;
    if (prefetch) stats.prefetchOriginReads++;
    else stats.originReads++;
    let body: Buffer | undefined;
    try {
      body = await options.origin.get(key);
    } catch (err) {
      stats.originErrors++;
      throw err;
    }
    if (!body) {
      stats.originNotFound++;
      return undefined;
    }
    stats.originBytes += body.length;
    const object: MediaObject = { body, etag: contentEtag(body), final: hints.isFinal(body) };
    if (epoch !== epochOf(hints.videoId)) return { key, videoId: hints.videoId, object, expiresAtMs: 0, prepared: undefined };
    if (body.length <= options.sharedMaxObjectBytes) {
      stats.redisWrites++;
      void options.shared.set(hints.videoId, key, object, object.final ? options.sharedTtlMs : options.volatileTtlMs);
    }
    return remember(key, hints.videoId, object);
  };

  const fetchThrough = (key: string, hints: LoadHints, prefetch: boolean): Promise<CacheEntry | undefined> => {
    const pending = inflight.get(key);
    if (pending) {
      if (!prefetch) stats.coalesced++;
      return pending;
    }
    const videoId = hints.videoId;
    loading.set(videoId, (loading.get(videoId) ?? 0) + 1);
    const promise = load(key, hints, prefetch).finally(() => {
      inflight.delete(key);
      const left = (loading.get(videoId) ?? 1) - 1;
      if (left > 0) loading.set(videoId, left);
      else {
        loading.delete(videoId);
        epochs.delete(videoId);
      }
    });
    inflight.set(key, promise);
    return promise;
  };

  const peek = (key: string): CacheEntry | undefined => {
    const entry = memory.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= now()) {
      memory.delete(key);
      return undefined;
    }
    return entry;
  };

  const pump = () => {
    while (prefetchRunning < options.prefetchConcurrency && queue.length > 0) {
      if (options.busy?.()) {
        // Serving comes first: drop what is queued rather than compete.
        stats.prefetchSkipped += queue.length;
        queue.length = 0;
        return;
      }
      const task = queue.shift() as { key: string; hints: LoadHints };
      if (memory.has(task.key) || inflight.has(task.key)) continue;
      prefetchRunning++;
      fetchThrough(task.key, task.hints, true)
        .then((entry) => {
          if (entry) stats.prefetched++;
        })
        .catch(() => undefined)
        .finally(() => {
          prefetchRunning--;
          setImmediate(pump);
        });
    }
  };

  return {
    peek,
    async get(key, hints) {
      const entry = peek(key);
      if (entry) {
        stats.memoryHits++;
        return entry;
      }
      stats.memoryMisses++;
      return fetchThrough(key, hints, false);
    },
    prefetchAfter(playlistKey, file, folderKey, hints) {
      if (options.prefetchCount <= 0) return;
      const playlist = peek(playlistKey);
      if (!playlist) return;
      playlist.segments ??= segmentUris(playlist.object.body);
      const name = file.slice(file.lastIndexOf("/") + 1);
      const at = playlist.segments.indexOf(name);
      if (at < 0) return;
      for (const next of playlist.segments.slice(at + 1, at + 1 + options.prefetchCount)) {
        const key = `${folderKey}${next}`;
        if (memory.has(key) || inflight.has(key) || queue.some((task) => task.key === key)) continue;
        if (queue.length >= 64) {
          stats.prefetchSkipped++;
          continue;
        }
        queue.push({ key, hints });
        stats.prefetchQueued++;
      }
      setImmediate(pump);
    },
    async purgeVideo(videoId) {
      if (loading.has(videoId)) epochs.set(videoId, epochOf(videoId) + 1);
      memory.deletePrefix(`videos/${videoId}/`);
      for (let index = queue.length - 1; index >= 0; index--) {
        if (queue[index]?.hints.videoId === videoId) queue.splice(index, 1);
      }
      stats.purges++;
      await options.shared.purgeVideo(videoId);
    },
    get memoryBytes() {
      return memory.bytes;
    },
    get loadingVideos() {
      return loading.size;
    },
  };
}

/** The URIs of a media playlist's segments, in order (plain names only). */
export function segmentUris(playlist: Buffer): string[] {
  const uris: string[] = [];
  for (const raw of playlist.toString("utf8").split("\n")) {
    const line = raw.trim();
    if (SEGMENT_NAME.test(line)) uris.push(line);
  }
  return uris;
}

/** Only segment files of the media layout are ever prefetched. */
const SEGMENT_NAME = /^seg_\d{5,6}\.(?:ts|m4s)$/;
