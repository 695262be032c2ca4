import { createHash, randomBytes } from "node:crypto";

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
