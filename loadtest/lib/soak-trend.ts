// The soak's verdict on one figure of one process (RSS, heap, open fds,
// event-loop delay) sampled over the run: pure arithmetic, no I/O.

/** One sample: seconds since the soak began, and the value (null when it could not be read). */
export interface Point {
  t: number;
  v: number | null;
}

/** What the soak reports per process and figure. */
export interface Trend {
  /** The value at the end of the warm-up (the first sample from 25% of the run on). */
  afterWarmup: number | null;
  /** The last value. */
  end: number | null;
  /** Least-squares slope over the second half of the run, per hour (null with fewer than 4 samples there). */
  slopePerHour: number | null;
  /** Its standard error, per hour. */
  stderrPerHour: number | null;
  /** The bound the slope is held to, per hour. */
  boundPerHour: number;
  /** Samples in the fitted window. */
  samples: number;
  /** True when the slope extrapolates past the bound and stands clear of the noise. */
  growing: boolean;
}

/** Where the warm-up ends and where the fitted window begins, as shares of the run. */
export const WARMUP_SHARE = 0.25;
export const FIT_FROM_SHARE = 0.5;
/** Fewer samples than this in the window give no slope (and no verdict of growth). */
export const MIN_FIT_SAMPLES = 4;

/** Ordinary least squares of v on t: slope (per unit of t) and its standard error. */
export function leastSquares(points: { t: number; v: number }[]): { slope: number; stderr: number } {
  const n = points.length;
  if (n < 2) return { slope: NaN, stderr: NaN };
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / n;
  const meanV = points.reduce((sum, p) => sum + p.v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.t - meanT) ** 2;
    sxy += (p.t - meanT) * (p.v - meanV);
  }
  if (sxx === 0) return { slope: NaN, stderr: NaN };
  const slope = sxy / sxx;
  const intercept = meanV - slope * meanT;
  const residuals = points.reduce((sum, p) => sum + (p.v - (intercept + slope * p.t)) ** 2, 0);
  const stderr = n > 2 ? Math.sqrt(residuals / (n - 2) / sxx) : NaN;
  return { slope, stderr };
}

/**
 * The trend of one series over a run of `durationSeconds`: its value after the
 * warm-up and at the end, the least-squares slope over the second half, and
 * the verdict. It is growing when the slope, extrapolated to an hour, passes
 * `boundPerHour` and is more than two standard errors above zero: a rise the
 * samples' own scatter (GC sawtooth, connections coming and going) cannot
 * explain. A short run therefore needs a steep rise to fail; a longer one
 * catches slower leaks.
 */
export function trend(points: Point[], durationSeconds: number, boundPerHour: number): Trend {
  const known = points.filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v));
  const afterWarmup = known.find((p) => p.t >= WARMUP_SHARE * durationSeconds)?.v ?? null;
  const end = known.at(-1)?.v ?? null;
  const window = known.filter((p) => p.t >= FIT_FROM_SHARE * durationSeconds);
  if (window.length < MIN_FIT_SAMPLES) return { afterWarmup, end, slopePerHour: null, stderrPerHour: null, boundPerHour, samples: window.length, growing: false };
  const { slope, stderr } = leastSquares(window);
  const slopePerHour = slope * 3600;
  const stderrPerHour = stderr * 3600;
  const growing = slopePerHour > boundPerHour && slopePerHour - 2 * stderrPerHour > 0;
  return { afterWarmup, end, slopePerHour, stderrPerHour, boundPerHour, samples: window.length, growing };
}
