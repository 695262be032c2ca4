import { describe, expect, it } from "vitest";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { formatAge, formatViews } from "../src/components/format.js";

describe("formatViews", () => {
  it.each([
    [0, "0 views"],
    [1, "1 view"],
    [2, "2 views"],
    [999, "999 views"],
    [1000, "1K views"],
    [1234, "1.2K views"],
    [12_345, "12.3K views"],
    [999_960, "1M views"],
    [3_400_000, "3.4M views"],
    [2_500_000_000, "2.5B views"],
    [12n, "12 views"],
  ])("%s → %s", (count, text) => {
    expect(formatViews(count)).toBe(text);
  });

  it("says the same as Intl's compact notation", () => {
    const intl = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
    for (const n of [0, 5, 999, 1000, 1049, 1050, 9999, 15_500, 123_456, 999_949, 999_960, 1_000_000, 45_678_901, 999_999_999]) {
      expect(formatViews(n)).toBe(n === 1 ? "1 view" : `${intl.format(n)} views`);
    }
  });
});

describe("formatAge", () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  const ago = (seconds: number) => timestampFromMs(now - seconds * 1000);

  it("says just now for under 45 s, and nothing without a time", () => {
    expect(formatAge(ago(10), now)).toBe("just now");
    expect(formatAge(undefined, now)).toBe("");
  });

  it("says the same as Intl.RelativeTimeFormat with numeric auto", () => {
    const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    const units: [Intl.RelativeTimeFormatUnit, number][] = [
      ["year", 31_536_000],
      ["month", 2_592_000],
      ["week", 604_800],
      ["day", 86_400],
      ["hour", 3_600],
      ["minute", 60],
    ];
    const intl = (seconds: number) => {
      for (const [unit, size] of units) if (seconds >= size) return rtf.format(-Math.floor(seconds / size), unit);
      return rtf.format(-1, "minute");
    };
    for (const seconds of [45, 59, 60, 61, 119, 120, 3599, 3600, 7200, 86_399, 86_400, 172_800, 604_800, 1_300_000, 2_592_000, 6_000_000, 31_536_000, 100_000_000]) {
      expect(formatAge(ago(seconds), now), `${seconds} s`).toBe(intl(seconds));
    }
  });
});
