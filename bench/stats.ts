/** Percentiles and small number helpers for the benchmark's reports. */

/** The p-th percentile (0..100) of `samples`, nearest-rank on the sorted values. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export interface Latency {
  p50Ms: number;
  p95Ms: number;
  samples: number;
}

export function latency(samples: number[]): Latency {
  return { p50Ms: round(percentile(samples, 50)), p95Ms: round(percentile(samples, 95)), samples: samples.length };
}

/** Rounded to `digits` decimals (figures, not measurements of that precision). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export const elapsedMs = (since: number) => performance.now() - since;
