/**
 * Reconnect delays: exponential with "equal jitter" (half the exponential step, plus a random part
 * of the other half), so clients that lost the server at once do not all come back at once, and
 * none retries at once in a tight loop.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Delay before attempt `attempt` (0 = the first retry); `random` in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = RECONNECT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(step / 2 + random() * (step / 2));
}
