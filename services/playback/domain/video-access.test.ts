import { describe, expect, it } from "vitest";
import type { PlaybackTokens } from "./playback-token.ts";
import type { VideoDirectory, VideoInfo } from "./ports.ts";
import { createVideoAccess, LookupsBusyError } from "./video-access.ts";

const noTokens = { verify: () => false } as unknown as PlaybackTokens;

/** A catalog stand-in: the listed videos are public; lookups can be held open. */
function directory(publicIds: string[], options: { hold?: boolean } = {}) {
  const calls: string[] = [];
  const waiting: (() => void)[] = [];
  const lookup: VideoDirectory["lookup"] = async (videoId) => {
    calls.push(videoId);
    if (options.hold) await new Promise<void>((resolve) => waiting.push(resolve));
    return publicIds.includes(videoId) ? ({ visibility: "public", complete: true } satisfies VideoInfo) : undefined;
  };
  return { lookup, calls, release: () => waiting.splice(0).forEach((resolve) => resolve()) };
}

describe("createVideoAccess", () => {
  it("keeps watched videos while a flood of unknown ids passes, within bounded maps", async () => {
    const catalog = directory(["hot"]);
    const access = createVideoAccess({ directory: catalog, tokens: noTokens, ttlMs: 60_000, errorTtlMs: 1000, maxKnown: 100, maxUnknown: 50 });
    expect((await access.resolve("hot")).open).toBe(true);
    for (let index = 0; index < 1000; index++) await access.resolve(`random-${index}`);
    expect(access.cached("hot")?.open).toBe(true);
    expect(access.sizes).toEqual({ known: 1, unknown: 50, lookups: 0, epochs: 0 });
  });

  it("evicts the oldest known answer first and re-inserts on refresh", async () => {
    let now = 0;
    const ids = ["a", "b", "c"];
    const catalog = directory(ids);
    const access = createVideoAccess({ directory: catalog, tokens: noTokens, ttlMs: 10, errorTtlMs: 1, maxKnown: 2, now: () => now });
    await access.resolve("a");
    await access.resolve("b");
    now = 15; // a and b are stale: served while a refresh runs
    expect(access.cached("a")).toBeDefined();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve)); // a's refresh re-inserted it after b
    await access.resolve("c"); // evicts the oldest answer: b
    expect(access.sizes.known).toBe(2);
    expect(access.cached("b")).toBeUndefined();
    expect(access.cached("a")).toBeDefined();
  });

  it("refuses new ids as busy when too many lookups are in flight, and asks the catalog once per id", async () => {
    const catalog = directory([], { hold: true });
    const access = createVideoAccess({ directory: catalog, tokens: noTokens, ttlMs: 1000, errorTtlMs: 1000, maxLookups: 3 });
    const first = [access.resolve("x1"), access.resolve("x2"), access.resolve("x3"), access.resolve("x1")];
    await expect(access.resolve("x4")).rejects.toBeInstanceOf(LookupsBusyError);
    expect(catalog.calls).toEqual(["x1", "x2", "x3"]);
    catalog.release();
    await Promise.all(first);
    expect(access.sizes.lookups).toBe(0);
    const later = access.resolve("x4");
    catalog.release();
    await expect(later).resolves.toMatchObject({ open: false });
  });

  it("lets an event overtake a lookup in flight, and forgets the epoch once it ends", async () => {
    const catalog = directory(["v"], { hold: true });
    const access = createVideoAccess({ directory: catalog, tokens: noTokens, ttlMs: 1000, errorTtlMs: 1000 });
    const pending = access.resolve("v");
    access.visibilityChanged("v", "private"); // newer than the lookup's (public) answer
    expect(access.sizes.epochs).toBe(1);
    catalog.release();
    expect((await pending).open).toBe(false);
    expect(access.cached("v")?.open).toBe(false);
    expect(access.sizes.epochs).toBe(0);
    // Events for videos with nothing in flight leave nothing behind.
    for (let index = 0; index < 100; index++) access.deleted(`gone-${index}`);
    expect(access.sizes.epochs).toBe(0);
  });
});
