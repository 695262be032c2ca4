import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Playback tokens: `<kid>.<expiry>.<signature>`, an HMAC-SHA256 over the key
 * id, the video id and the expiry. A token opens one video until it expires.
 * A token for an unlisted video (anyone with the link may have it) says so:
 * `<kid>.<expiry>.u.<signature>`, the `u` under the HMAC too, and the edge
 * honours it only while the video is still public or unlisted (made private
 * or deleted, such a token stops working at once). A token for a private
 * video went to its owner and keeps the three-part form.
 * Keys rotate: tokens are signed with the first secret and verified with any
 * secret of the list, picked by key id (derived from the secret itself, so a
 * rotation is only a change of the configured list).
 */
export interface PlaybackTokens {
  /**
   * Signs a token for one video from `nowMs`, valid for the configured TTL or,
   * for a video of `mediaSeconds`, at least its length plus the margin (capped
   * at maxTtlSeconds), so a viewer of a long video is not cut off mid-playback.
   */
  issue(videoId: string, nowMs?: number, mediaSeconds?: number, audience?: TokenAudience): { token: string; expiresAtMs: number };
  /** True when the token is well formed, signed by a known key, unexpired and for this video. */
  verify(token: string, videoId: string, nowMs?: number): boolean;
  /** Whom a (verified) token was issued to. */
  audience(token: string): TokenAudience;
}

/** "unlisted": issued for an unlisted video (anyone with its link); "owner": for a private video, to its owner. */
export type TokenAudience = "unlisted" | "owner";

export interface PlaybackTokensOptions {
  /** Secrets, current first; older ones only verify. */
  secrets: string[];
  /** The shortest lifetime of a token. */
  ttlSeconds: number;
  /** Added to a video's length (pauses, buffering, seeking back); default 0. */
  durationMarginSeconds?: number;
  /** The longest lifetime, whatever the video's length; default ttlSeconds (fixed lifetime). */
  maxTtlSeconds?: number;
}

/** A token's lifetime for a video of `mediaSeconds`: max(ttl, length + margin), at most the cap (never below ttl). */
export function tokenLifetimeSeconds(options: Omit<PlaybackTokensOptions, "secrets">, mediaSeconds: number): number {
  const cap = Math.max(options.ttlSeconds, options.maxTtlSeconds ?? options.ttlSeconds);
  const media = Number.isFinite(mediaSeconds) && mediaSeconds > 0 ? Math.ceil(mediaSeconds) : 0;
  const wanted = media > 0 ? media + (options.durationMarginSeconds ?? 0) : 0;
  return Math.min(cap, Math.max(options.ttlSeconds, wanted));
}

/** Creates the token signer/verifier from the configured secrets. */
export function createPlaybackTokens(options: PlaybackTokensOptions): PlaybackTokens {
  if (options.secrets.length === 0) throw new Error("at least one playback token secret is needed");
  const keys = new Map<string, Buffer>();
  for (const secret of options.secrets) {
    const kid = keyIdOf(secret);
    if (!keys.has(kid)) keys.set(kid, Buffer.from(secret));
  }
  const currentKid = keyIdOf(options.secrets[0] as string);
  const sign = (kid: string, key: Buffer, videoId: string, expiry: string, unlisted: boolean) =>
    createHmac("sha256", key).update(`${kid}.${videoId}.${expiry}${unlisted ? ".u" : ""}`).digest();

  return {
    issue(videoId, nowMs = Date.now(), mediaSeconds = 0, audience = "owner") {
      const expiresAtMs = (Math.floor(nowMs / 1000) + tokenLifetimeSeconds(options, mediaSeconds)) * 1000;
      const expiry = (expiresAtMs / 1000).toString(36);
      const unlisted = audience === "unlisted";
      const signature = sign(currentKid, keys.get(currentKid) as Buffer, videoId, expiry, unlisted).toString("base64url");
      return { token: `${currentKid}.${expiry}${unlisted ? ".u" : ""}.${signature}`, expiresAtMs };
    },
    audience(token) {
      return token.split(".").length === 4 ? "unlisted" : "owner";
    },
    verify(token, videoId, nowMs = Date.now()) {
      const parts = token.split(".");
      if (parts.length === 4 && parts[2] !== "u") return false;
      if (parts.length !== 3 && parts.length !== 4) return false;
      const unlisted = parts.length === 4;
      const [kid, expiry] = parts as [string, string];
      const signature = parts[parts.length - 1] as string;
      const key = keys.get(kid);
      if (!key || !/^[0-9a-z]{1,12}$/.test(expiry)) return false;
      const expiresAtSeconds = parseInt(expiry, 36);
      if (!Number.isSafeInteger(expiresAtSeconds) || expiresAtSeconds * 1000 <= nowMs) return false;
      const expected = sign(kid, key, videoId, expiry, unlisted);
      const given = Buffer.from(signature, "base64url");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** A short, non-secret identifier of a secret. */
function keyIdOf(secret: string): string {
  return createHash("sha256").update("xtream-playback-kid:").update(secret).digest("base64url").slice(0, 8);
}
