import { describe, expect, it } from 'vitest';
import { parseRateRule } from '../../lib/cache/rate-limits.ts';

describe('rate limit rules from the environment', () => {
  it('reads <requests>/<seconds>s and off', () => {
    expect(parseRateRule('X', '30/10s')).toEqual({ limit: 30, windowSeconds: 10 });
    expect(parseRateRule('X', ' 10 / 60 s ')).toEqual({ limit: 10, windowSeconds: 60 });
    expect(parseRateRule('X', 'off')).toBeUndefined();
    expect(parseRateRule('X', 'OFF')).toBeUndefined();
  });

  it.each(['', '30', '30/10', '0/10s', '30/0s', '-1/10s', '1.5/10s', '30/10m', 'thirty/10s'])('refuses %j: a typo must not lift a limit silently', (value) => {
    expect(() => parseRateRule('RATE_LIMIT_SENDS', value)).toThrow(/RATE_LIMIT_SENDS/);
  });
});
