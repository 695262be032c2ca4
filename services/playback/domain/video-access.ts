import type { PlaybackTokens } from "./playback-token.ts";
import type { VideoDirectory, Visibility } from "./ports.ts";

/** What the edge knows about a video, cached for a short while. */
export interface VideoState {
  /** Anyone may watch without a token. */
  open: boolean;
  /** The catalog shows it to anyone with its id (public or unlisted); false once private or gone. */
  visible: boolean;
  /** The master playlist no longer changes. */
  complete: boolean;
  /** Deleted (from a video.deleted event): nothing is served. */
  deleted: boolean;
  expiresAtMs: number;
}

/** The decision for one request. */
export type AccessDecision = "public" | "token" | "forbidden" | "gone";

export interface VideoAccessOptions {
  directory: VideoDirectory;
  tokens: PlaybackTokens;
  /** How long a catalog answer is trusted. */
  ttlMs: number;
  /** How long "catalog unreachable" is remembered (only tokens open videos meanwhile). */
  errorTtlMs: number;
  /** How long a deletion is remembered. */
  deletedTtlMs?: number;
  /** Videos the catalog knows (and deletions) kept at most; the oldest answers go first (default 100,000). */
  maxKnown?: number;
  /** Ids the catalog does not know (or hides: private) kept at most, apart from the known ones (default 20,000). */
  maxUnknown?: number;
  /** Catalog lookups in flight at most; more new ids at once are refused as busy (default 256). */
  maxLookups?: number;
  now?: () => number;
  onLookupError?(err: unknown): void;
}

/**
 * Who may fetch a video's files: public videos are open; private and
 * unlisted ones need a valid token for that video. Visibility comes from an
 * anonymous catalog lookup cached for a short TTL (one lookup in flight per
 * video), and from the catalog's events, which update it at once.
 */
export interface VideoAccess {
  /** The cached state, synchronously (the hot path), when fresh. */
  cached(videoId: string): VideoState | undefined;
  /** The state, asking the catalog when it is not cached. */
  resolve(videoId: string): Promise<VideoState>;
  decide(state: VideoState, videoId: string, token: string | undefined): AccessDecision;
  /** A visibility change from the catalog's events. */
  visibilityChanged(videoId: string, visibility: Visibility | undefined): void;
  /** A deletion from the catalog's events. */
  deleted(videoId: string): void;
  /** How many entries each map holds (for /metrics.json and tests). */
  readonly sizes: { known: number; unknown: number; lookups: number; epochs: number };
}

/**
 * Thrown by resolve() when maxLookups catalog lookups are already in flight:
 * a flood of made-up video ids gets quick refusals instead of one catalog
 * call each. The edge answers 503 with Retry-After.
 */
export class LookupsBusyError extends Error {
  constructor() {
    super("too many catalog lookups in flight");
  }
}

/** Creates the access policy over the catalog directory and the token keys. */
export function createVideoAccess(options: VideoAccessOptions): VideoAccess {
  const now = options.now ?? Date.now;
  const maxKnown = options.maxKnown ?? 100_000;
  const maxUnknown = options.maxUnknown ?? 20_000;
  const maxLookups = options.maxLookups ?? 256;
  // Two maps, so that ids nobody can watch (a flood of random ones, say) only
  // ever push each other out, never the videos people are watching. Both
  // evict their oldest answer first; a refresh re-inserts, so a watched video
  // is never the oldest for long.
  const known = new Map<string, VideoState>();
  const unknown = new Map<string, VideoState>();
  const lookups = new Map<string, Promise<VideoState>>();
  /** Bumped by events for videos with a lookup in flight, whose answer is then older than the event. */
  const epochs = new Map<string, number>();

  const stateOf = (videoId: string) => known.get(videoId) ?? unknown.get(videoId);

  const store = (videoId: string, state: VideoState, isKnown: boolean) => {
    const [into, other, max] = isKnown ? [known, unknown, maxKnown] : [unknown, known, maxUnknown];
    other.delete(videoId);
    into.delete(videoId);
    if (into.size >= max) into.delete(into.keys().next().value as string);
    into.set(videoId, state);
    return state;
  };

  const lookup = async (videoId: string): Promise<VideoState> => {
    const epoch = epochs.get(videoId) ?? 0;
    let state: VideoState;
    let found: boolean;
    try {
      const info = await options.directory.lookup(videoId);
      found = info !== undefined;
      state = {
        open: info?.visibility === "public",
        visible: info !== undefined && info.visibility !== "private",
        complete: info?.complete ?? false,
        deleted: false,
        expiresAtMs: now() + options.ttlMs,
      };
    } catch (err) {
      options.onLookupError?.(err);
      // Stale-if-error: a known answer outlives a catalog outage; an unknown video opens only with a token.
      const previous = stateOf(videoId);
      found = known.has(videoId);
      state = previous
        ? { ...previous, expiresAtMs: now() + options.errorTtlMs }
        : { open: false, visible: true, complete: false, deleted: false, expiresAtMs: now() + options.errorTtlMs };
    }
    // An event arrived meanwhile: it is newer than this answer.
    if ((epochs.get(videoId) ?? 0) !== epoch) return stateOf(videoId) ?? state;
    return store(videoId, state, found);
  };

  // Only a lookup in flight can be overtaken by an event; otherwise there is nothing to record.
  const bump = (videoId: string) => {
    if (lookups.has(videoId)) epochs.set(videoId, (epochs.get(videoId) ?? 0) + 1);
  };

  const refresh = (videoId: string): Promise<VideoState> => {
    let pending = lookups.get(videoId);
    if (!pending) {
      if (lookups.size >= maxLookups) return Promise.reject(new LookupsBusyError());
      pending = lookup(videoId).finally(() => {
        lookups.delete(videoId);
        epochs.delete(videoId);
      });
      lookups.set(videoId, pending);
    }
    return pending;
  };

  /**
   * Stale-while-revalidate: an answer up to one more TTL past its expiry is
   * still used while a refresh runs in the background, so requests for a
   * watched video never wait on the catalog.
   */
  const cached = (videoId: string): VideoState | undefined => {
    const state = known.get(videoId) ?? unknown.get(videoId);
    if (state === undefined) return undefined;
    const at = now();
    if (state.expiresAtMs > at) return state;
    if (!state.deleted && state.expiresAtMs + options.ttlMs > at) {
      refresh(videoId).catch(() => undefined);
      return state;
    }
    return undefined;
  };

  return {
    cached,
    resolve(videoId) {
      const state = cached(videoId);
      if (state) return Promise.resolve(state);
      return refresh(videoId);
    },
    decide(state, videoId, token) {
      let decision: AccessDecision;
      if (token === undefined) decision = state.open ? "public" : "forbidden";
      else if (!options.tokens.verify(token, videoId, now())) decision = "forbidden";
      // A link-shared token stops when the video is no longer shown to anyone with its id.
      else if (options.tokens.audience(token) === "unlisted" && !state.visible && !state.deleted) decision = "forbidden";
      else decision = "token";
      if (decision !== "forbidden" && state.deleted) return "gone";
      return decision;
    },
    visibilityChanged(videoId, visibility) {
      bump(videoId);
      const previous = stateOf(videoId);
      if (visibility === undefined) {
        known.delete(videoId);
        unknown.delete(videoId);
        return;
      }
      store(
        videoId,
        {
          open: visibility === "public",
          visible: visibility !== "private",
          complete: previous?.complete ?? false,
          deleted: false,
          expiresAtMs: now() + options.ttlMs,
        },
        true,
      );
    },
    deleted(videoId) {
      bump(videoId);
      store(videoId, { open: false, visible: false, complete: false, deleted: true, expiresAtMs: now() + (options.deletedTtlMs ?? 24 * 3600_000) }, true);
    },
    get sizes() {
      return { known: known.size, unknown: unknown.size, lookups: lookups.size, epochs: epochs.size };
    },
  };
}
