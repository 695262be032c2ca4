import { describe, expect, it } from "vitest";
import { createByteLru } from "./byte-lru.ts";

describe("createByteLru", () => {
  it("keeps the total size within the bound, evicting the oldest entry not read since", () => {
    const evicted: string[] = [];
    const lru = createByteLru<string>({ maxBytes: 30, maxItemBytes: 30, onEvict: (key) => evicted.push(key) });
    lru.set("a", "A", 10);
    lru.set("b", "B", 10);
    lru.set("c", "C", 10);
    expect(lru.get("a")).toBe("A"); // a gets a second chance
    lru.set("d", "D", 10);
    expect(evicted).toEqual(["b"]);
    expect([lru.has("a"), lru.has("b"), lru.has("c"), lru.has("d")]).toEqual([true, false, true, true]);
    expect(lru.bytes).toBe(30);
    expect(lru.size).toBe(3);
  });

  it("evicts an entry whose second chance was used up", () => {
    const evicted: string[] = [];
    const lru = createByteLru<string>({ maxBytes: 20, maxItemBytes: 20, onEvict: (key) => evicted.push(key) });
    lru.set("a", "A", 10);
    lru.set("b", "B", 10);
    lru.get("a");
    lru.get("b");
    lru.set("c", "C", 10); // both were read: each is passed once, then a (first again) goes
    expect(evicted).toEqual(["a"]);
    lru.set("d", "D", 10); // b's flag was cleared by the first pass
    expect(evicted).toEqual(["a", "b"]);
    expect(lru.bytes).toBe(20);
  });

  it("refuses a value larger than the item bound and replaces an existing key", () => {
    const lru = createByteLru<string>({ maxBytes: 100, maxItemBytes: 25 });
    expect(lru.set("big", "x", 26)).toBe(false);
    expect(lru.has("big")).toBe(false);
    lru.set("k", "one", 20);
    lru.set("k", "two", 5);
    expect(lru.get("k")).toBe("two");
    expect(lru.bytes).toBe(5);
  });

  it("deletes by prefix and keeps nothing with a zero bound", () => {
    const lru = createByteLru<string>({ maxBytes: 100 });
    lru.set("videos/1/a", "a", 1);
    lru.set("videos/1/b", "b", 1);
    lru.set("videos/2/a", "c", 1);
    expect(lru.deletePrefix("videos/1/")).toBe(2);
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(1);
    const none = createByteLru<string>({ maxBytes: 0 });
    expect(none.set("k", "v", 1)).toBe(false);
    expect(none.get("k")).toBeUndefined();
  });
});
