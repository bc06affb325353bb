import { optionalEnv } from '../config.ts';

/**
 * `query`: the seed's behaviour — the acting user is `?user_id=` (and a send's `from`); for local
 * and test stages. `token`: the acting user is the subject of a Bearer JWT; for deployed stages.
 */
export type AuthMode = 'query' | 'token';

export function authMode(): AuthMode {
  const mode = optionalEnv('AUTH_MODE') ?? 'query';
  if (mode !== 'query' && mode !== 'token') throw new Error(`AUTH_MODE must be query or token, got ${mode}`);
  return mode;
}
