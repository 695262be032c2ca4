import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { keepRetrying } from "./keep-retrying.ts";

const logger = createLogger("keep-retrying-test", "silent");

describe("keepRetrying", () => {
  it("retries a failing start with growing waits until it succeeds", async () => {
    const calls: number[] = [];
    const loop = keepRetrying(
      async () => {
        calls.push(Date.now());
        if (calls.length < 3) throw new Error("kafka not up");
      },
      { what: "consumer", logger, initialDelayMs: 20, maxDelayMs: 1000 },
    );
    expect(await loop.started).toBe(true);
    expect(calls).toHaveLength(3);
    const firstWait = calls[1]! - calls[0]!;
    const secondWait = calls[2]! - calls[1]!;
    expect(firstWait).toBeGreaterThanOrEqual(19);
    expect(secondWait).toBeGreaterThanOrEqual(39);
    await loop.stop();
  });

  it("stop() ends a loop that is waiting, without another attempt", async () => {
    let calls = 0;
    const loop = keepRetrying(
      async () => {
        calls++;
        throw new Error("down");
      },
      { what: "consumer", logger, initialDelayMs: 60_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await loop.stop();
    expect(await loop.started).toBe(false);
    expect(calls).toBe(1);
  });
});
