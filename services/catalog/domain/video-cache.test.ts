import { describe, expect, it } from "vitest";
import { createTtlCache } from "./video-cache.ts";

describe("createTtlCache", () => {
  it("expires entries after the TTL", () => {
    let time = 0;
    const cache = createTtlCache<string>({ maxEntries: 10, ttlMs: 100, now: () => time });
    cache.set("a", "A");
    time = 99;
    expect(cache.get("a")).toBe("A");
    time = 100;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used entry when full", () => {
    let time = 0;
    const cache = createTtlCache<string>({ maxEntries: 2, ttlMs: 60_000, now: () => time });
    cache.set("a", "A");
    cache.set("b", "B");
    time = 2000;
    expect(cache.get("a")).toBe("A"); // a is now more recent than b
    cache.set("c", "C");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
  });

  it("deletes, clears, and caches nothing when disabled", () => {
    const cache = createTtlCache<string>({ maxEntries: 10, ttlMs: 1000 });
    cache.set("a", "A");
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", "B");
    cache.clear();
    expect(cache.size).toBe(0);
    const off = createTtlCache<string>({ maxEntries: 10, ttlMs: 0 });
    off.set("a", "A");
    expect(off.get("a")).toBeUndefined();
  });
});
