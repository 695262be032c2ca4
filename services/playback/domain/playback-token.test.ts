import { describe, expect, it } from "vitest";
import { createPlaybackTokens, tokenLifetimeSeconds } from "./playback-token.ts";

const videoA = "0b3c7a52-9a51-4f7e-8d7e-3c1f2a9b6d10";
const videoB = "1c4d8b63-0b62-4a8f-9e8f-4d2a3b0c7e21";
const secret1 = "s1".repeat(20);
const secret2 = "s2".repeat(20);

describe("playback tokens", () => {
  const tokens = createPlaybackTokens({ secrets: [secret1], ttlSeconds: 60 });
  const now = 1_700_000_000_000;

  it("opens the video it was issued for until it expires", () => {
    const { token, expiresAtMs } = tokens.issue(videoA, now);
    expect(expiresAtMs).toBe(now + 60_000);
    expect(tokens.verify(token, videoA, now + 59_000)).toBe(true);
    expect(tokens.verify(token, videoA, now + 60_000)).toBe(false);
    expect(tokens.verify(token, videoB, now)).toBe(false);
  });

  it("rejects tampered and malformed tokens", () => {
    const { token } = tokens.issue(videoA, now);
    const [kid, expiry, signature] = token.split(".") as [string, string, string];
    const later = (parseInt(expiry, 36) + 3600).toString(36);
    expect(tokens.verify(`${kid}.${later}.${signature}`, videoA, now)).toBe(false);
    const flipped = signature.slice(0, -2) + (signature.endsWith("AA") ? "BB" : "AA");
    expect(tokens.verify(`${kid}.${expiry}.${flipped}`, videoA, now)).toBe(false);
    expect(tokens.verify(`XXXXXXXX.${expiry}.${signature}`, videoA, now)).toBe(false);
    expect(tokens.verify("", videoA, now)).toBe(false);
    expect(tokens.verify("a.b", videoA, now)).toBe(false);
  });

  it("keeps verifying old tokens after a key rotation, and stops once the old key is gone", () => {
    const old = tokens.issue(videoA, now).token;
    const rotated = createPlaybackTokens({ secrets: [secret2, secret1], ttlSeconds: 60 });
    expect(rotated.verify(old, videoA, now)).toBe(true);
    const fresh = rotated.issue(videoA, now).token;
    expect(fresh.split(".")[0]).not.toBe(old.split(".")[0]);
    expect(tokens.verify(fresh, videoA, now)).toBe(false);
    const retired = createPlaybackTokens({ secrets: [secret2], ttlSeconds: 60 });
    expect(retired.verify(old, videoA, now)).toBe(false);
    expect(retired.verify(fresh, videoA, now)).toBe(true);
  });

  it("lasts at least a long video's length plus the margin, capped", () => {
    const long = createPlaybackTokens({ secrets: [secret1], ttlSeconds: 7200, durationMarginSeconds: 1800, maxTtlSeconds: 43_200 });
    expect(long.issue(videoA, now).expiresAtMs).toBe(now + 7200_000);
    expect(long.issue(videoA, now, 600).expiresAtMs).toBe(now + 7200_000);
    const threeHours = long.issue(videoA, now, 3 * 3600 + 0.4);
    expect(threeHours.expiresAtMs).toBe(now + (3 * 3600 + 1 + 1800) * 1000);
    expect(long.verify(threeHours.token, videoA, now + 3 * 3600_000 + 60_000)).toBe(true);
    expect(long.issue(videoA, now, 100 * 3600).expiresAtMs).toBe(now + 43_200_000);
    expect(tokenLifetimeSeconds({ ttlSeconds: 60 }, 10_000)).toBe(60);
    expect(tokenLifetimeSeconds({ ttlSeconds: 60, durationMarginSeconds: 10, maxTtlSeconds: 30 }, 10_000)).toBe(60);
    expect(tokenLifetimeSeconds({ ttlSeconds: 60, durationMarginSeconds: 10, maxTtlSeconds: 600 }, Number.NaN)).toBe(60);
  });
});
