import { describe, expect, it } from 'vitest';
import { windowWithoutBoundaryWithin } from '../support/rate-window.ts';

describe('a rate-limit window for tests (test/support/rate-window.ts)', () => {
  it('has no boundary (a multiple of the window since the epoch) within the horizon, whenever it is chosen', () => {
    const start = Date.UTC(2026, 11, 1);
    // Every 7 seconds across two days, boundaries of the plain candidates (7200 s, 7201 s…) included.
    for (let now = start; now < start + 2 * 86_400_000; now += 7_000) {
      const window = windowWithoutBoundaryWithin(3600, now);
      expect(window).toBeGreaterThanOrEqual(7200);
      const nextBoundary = (Math.floor(now / 1000 / window) + 1) * window;
      expect(nextBoundary - now / 1000, `now=${now}`).toBeGreaterThan(3600);
    }
  });

  it('fits the rate rules (at most 7 digits of seconds)', () => {
    expect(String(windowWithoutBoundaryWithin(3600))).toMatch(/^[1-9][0-9]{0,6}$/);
  });
});
