// The soak's verdict on synthetic series: what must pass (flat, noisy, a
// sawtooth, growth that stops with the warm-up) and what must fail (steady growth).
import { describe, expect, it } from "vitest";
import { leastSquares, trend, type Point } from "./soak-trend.ts";

/** A repeatable pseudo-random scatter in [-1, 1] (a linear congruential generator). */
function scatter(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1;
  };
}

/** Samples every `interval` s over `duration` s of f(t). */
function series(duration: number, interval: number, f: (t: number) => number): Point[] {
  const points: Point[] = [];
  for (let t = 0; t <= duration; t += interval) points.push({ t, v: f(t) });
  return points;
}

const TEN_MINUTES = 600;
const noise = scatter(42);

describe("leastSquares", () => {
  it("finds the slope of a straight line exactly, with no error", () => {
    const fit = leastSquares([0, 10, 20, 30].map((t) => ({ t, v: 5 + 0.5 * t })));
    expect(fit.slope).toBeCloseTo(0.5, 10);
    expect(fit.stderr).toBeCloseTo(0, 10);
  });
});

describe("trend", () => {
  it("a flat series with scatter is not growing", () => {
    const result = trend(
      series(TEN_MINUTES, 15, () => 120 + 3 * noise()),
      TEN_MINUTES,
      100,
    );
    expect(result.growing).toBe(false);
    expect(result.samples).toBe(21);
    expect(Math.abs(result.slopePerHour!)).toBeLessThan(100);
  });

  it("steady growth past the bound is growing, with the slope per hour it extrapolates to", () => {
    // 0.1 MiB/s = 360 MiB/h, with ±3 MiB of scatter.
    const result = trend(
      series(TEN_MINUTES, 15, (t) => 100 + 0.1 * t + 3 * noise()),
      TEN_MINUTES,
      100,
    );
    expect(result.growing).toBe(true);
    expect(result.slopePerHour!).toBeGreaterThan(300);
    expect(result.slopePerHour!).toBeLessThan(420);
    expect(result.afterWarmup!).toBeGreaterThan(110);
    expect(result.end!).toBeGreaterThan(result.afterWarmup!);
  });

  it("growth that stops with the warm-up (caches filling, code compiled) is not growing", () => {
    const result = trend(
      series(TEN_MINUTES, 15, (t) => 80 + 60 * (1 - Math.exp(-t / 40)) + noise()),
      TEN_MINUTES,
      100,
    );
    expect(result.growing).toBe(false);
  });

  it("a GC sawtooth with no trend is not growing, though its fitted slope passes the bound", () => {
    // Heap used climbs 30 MiB and drops back every 100 s; the window ends on a drop.
    const result = trend(
      series(TEN_MINUTES, 15, (t) => 40 + 30 * ((t % 100) / 100)),
      TEN_MINUTES,
      50,
    );
    expect(result.slopePerHour!).toBeGreaterThan(50);
    expect(result.growing).toBe(false);
  });

  it("growth under the bound is not growing", () => {
    const result = trend(
      series(TEN_MINUTES, 15, (t) => 100 + (40 / 3600) * t),
      TEN_MINUTES,
      100,
    );
    expect(result.slopePerHour!).toBeCloseTo(40, 5);
    expect(result.growing).toBe(false);
  });

  it("a slope past the bound but within the scatter is not called growth", () => {
    // ±40 fds of churn over a flat 100, 5 samples in the window: a slope can come out large by chance.
    const wild = scatter(3);
    const points = series(TEN_MINUTES, 60, () => 100 + 40 * wild());
    const result = trend(points, TEN_MINUTES, 50);
    expect(result.slopePerHour!).toBeGreaterThan(50);
    expect(result.slopePerHour! - 2 * result.stderrPerHour!).toBeLessThanOrEqual(0);
    expect(result.growing).toBe(false);
  });

  it("gives no slope and no verdict of growth with too few samples, and skips unread samples", () => {
    const points: Point[] = [
      { t: 0, v: 10 },
      { t: 200, v: 20 },
      { t: 400, v: null },
      { t: 500, v: 900 },
      { t: 600, v: 1000 },
    ];
    const result = trend(points, TEN_MINUTES, 1);
    expect(result.slopePerHour).toBeNull();
    expect(result.growing).toBe(false);
    expect(result.afterWarmup).toBe(20);
    expect(result.end).toBe(1000);
  });
});
