import { createHash, createHmac, randomBytes } from "node:crypto";

/** Refresh tokens start with this, so secret scanners and people can recognise one. */
export const REFRESH_TOKEN_PREFIX = "xrt_";
const TOKEN_FORMAT = /^xrt_[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token: 256 random bits, base64url, with a recognisable prefix. */
export function newRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** Whether a string has the shape of one of our refresh tokens (checked before touching storage). */
export function isRefreshTokenShaped(token: string): boolean {
  return TOKEN_FORMAT.test(token);
}

/** The SHA-256 of a refresh token: the only form in which tokens are stored. */
export function hashRefreshToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/**
 * The token that replaces `presented` when it is refreshed: an HMAC of it
 * under a server secret, so a retried refresh (the answer was lost) yields the
 * same successor, while nobody without the secret can compute one.
 */
export function successorRefreshToken(presented: string, secret: Buffer): string {
  return REFRESH_TOKEN_PREFIX + createHmac("sha256", secret).update(presented, "utf8").digest("base64url");
}
