import { describe, expect, it } from "vitest";
import { jobTimeLimitMs, tooLongReason } from "./time-limit.ts";

const limits = { baseMs: 600_000, perSourceSecondMs: 6000, maxSourceSeconds: 4 * 3600 };

describe("a job's time limit", () => {
  it("grows with the source's length", () => {
    expect(jobTimeLimitMs(limits, 0)).toBe(600_000);
    expect(jobTimeLimitMs(limits, 60)).toBe(600_000 + 360_000);
    // A 3-hour film gets 18 h 10 min, where the old fixed limit was 30 min per attempt.
    expect(jobTimeLimitMs(limits, 3 * 3600)).toBe(600_000 + 3 * 3600 * 6000);
  });

  it("refuses sources over the maximum, saying so in words", () => {
    expect(tooLongReason(limits, 4 * 3600)).toBeUndefined();
    expect(tooLongReason(limits, 4 * 3600 + 61)).toBe("the video is too long: 4 h 01 min, the longest accepted is 4 h 00 min");
    expect(tooLongReason({ ...limits, maxSourceSeconds: 90 }, 125)).toBe("the video is too long: 2 min 05 s, the longest accepted is 1 min 30 s");
  });
});
