// Figures every bench reports: medians (these machines are noisy, so no bench reports a single
// run or a mean) and rounding for the JSON line.

/** The median of `values` (the mean of the two middle ones for an even count); NaN for none, which JSON prints as null. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `value` rounded to `digits` decimals, as a number (for JSON lines). */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
