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
}

/** Creates the access policy over the catalog directory and the token keys. */
export function createVideoAccess(options: VideoAccessOptions): VideoAccess {
  const now = options.now ?? Date.now;
  const states = new Map<string, VideoState>();
  const lookups = new Map<string, Promise<VideoState>>();
  const epochs = new Map<string, number>();

  const store = (videoId: string, state: VideoState) => {
    if (states.size > 100_000) states.clear();
    states.set(videoId, state);
    return state;
  };

  const lookup = async (videoId: string): Promise<VideoState> => {
    const epoch = epochs.get(videoId) ?? 0;
    let state: VideoState;
    try {
      const info = await options.directory.lookup(videoId);
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
      const previous = states.get(videoId);
      state = previous
        ? { ...previous, expiresAtMs: now() + options.errorTtlMs }
        : { open: false, visible: true, complete: false, deleted: false, expiresAtMs: now() + options.errorTtlMs };
    }
    // An event arrived meanwhile: it is newer than this answer.
    if ((epochs.get(videoId) ?? 0) !== epoch) return states.get(videoId) ?? state;
    return store(videoId, state);
  };

  const bump = (videoId: string) => epochs.set(videoId, (epochs.get(videoId) ?? 0) + 1);

  const refresh = (videoId: string): Promise<VideoState> => {
    let pending = lookups.get(videoId);
    if (!pending) {
      pending = lookup(videoId).finally(() => lookups.delete(videoId));
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
    const state = states.get(videoId);
    if (state === undefined) return undefined;
    const at = now();
    if (state.expiresAtMs > at) return state;
    if (!state.deleted && state.expiresAtMs + options.ttlMs > at) {
      void refresh(videoId);
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
      const previous = states.get(videoId);
      if (visibility === undefined) {
        states.delete(videoId);
        return;
      }
      store(videoId, {
        open: visibility === "public",
        visible: visibility !== "private",
        complete: previous?.complete ?? false,
        deleted: false,
        expiresAtMs: now() + options.ttlMs,
      });
    },
    deleted(videoId) {
      bump(videoId);
      store(videoId, { open: false, visible: false, complete: false, deleted: true, expiresAtMs: now() + (options.deletedTtlMs ?? 24 * 3600_000) });
    },
  };
}
