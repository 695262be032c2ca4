import { describe, expect, it } from "vitest";
import { median, round } from "./stats.ts";

describe("bench stats", () => {
  it("takes the middle value, or the mean of the two middle ones, whatever the order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it("rounds for the JSON line", () => {
    expect(round(0.93456)).toBe(0.935);
    expect(round(12.345, 1)).toBe(12.3);
  });
});
