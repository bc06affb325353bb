/**
 * A rate-limit window, in seconds, that has no boundary within the next `horizonSeconds`, for
 * tests that count requests up to a limit and expect the next one refused.
 *
 * @upstash/ratelimit's sliding window is two fixed windows aligned on multiples of the window since
 * the epoch, the previous one weighed by how much of it still overlaps (rounded down). Just after
 * a boundary the count drops — 3 requests in the window before count as 2 — so a boundary between
 * a test's requests lets through the one it expects refused, whatever the window's length. Windows
 * from twice the horizon up are tried in turn until the next boundary is beyond the horizon; each
 * has even odds or better, so a few tries find one.
 */
export function windowWithoutBoundaryWithin(horizonSeconds: number, now = Date.now()): number {
  const nowSeconds = now / 1000;
  for (let window = 2 * horizonSeconds; window < 2 * horizonSeconds + 1000; window++) {
    if (window - (nowSeconds % window) > horizonSeconds) return window;
  }
  throw new Error(`no window of ${2 * horizonSeconds}–${2 * horizonSeconds + 999} s is free of boundaries for ${horizonSeconds} s`);
}

/** An hour: far more than any test file takes (each test times out after a minute). */
export const TEST_FILE_HORIZON_SECONDS = 3600;
