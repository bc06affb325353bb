/**
 * Where the API and the WebSocket are, read at run time from `config.json` next to index.html, so
 * one build serves `npm start` (local/web-server.ts answers it for the running stack) and a
 * deployed stage (a file written next to the built files: see the README, "Web client").
 */
export interface RuntimeConfig {
  /** Base URL of the REST API, e.g. http://127.0.0.1:8000 or https://abc.execute-api.us-east-1.amazonaws.com */
  apiUrl: string;
  /** The WebSocket API (ws:// or wss://); null: none, the client long-polls. */
  wsUrl: string | null;
  /** `query`: pick a user (the seed's ?user_id=); `token`: username and password, Bearer tokens. */
  authMode: 'query' | 'token';
}

export class ConfigError extends Error {}

export function parseConfig(value: unknown): RuntimeConfig {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const url = (x: unknown, schemes: string[]) => {
    if (typeof x !== 'string') return undefined;
    try {
      return schemes.includes(new URL(x).protocol) ? x.replace(/\/+$/, '') : undefined;
    } catch {
      return undefined;
    }
  };
  const apiUrl = url(v.apiUrl, ['http:', 'https:']);
  if (!apiUrl) throw new ConfigError('config.json needs "apiUrl": the http(s) URL of the chat API.');
  const wsUrl = v.wsUrl === null || v.wsUrl === undefined || v.wsUrl === '' ? null : url(v.wsUrl, ['ws:', 'wss:']);
  if (wsUrl === undefined) throw new ConfigError('"wsUrl" in config.json must be a ws:// or wss:// URL, or null.');
  const authMode = v.authMode ?? 'query';
  if (authMode !== 'query' && authMode !== 'token') throw new ConfigError('"authMode" in config.json must be "query" or "token".');
  return { apiUrl, wsUrl, authMode };
}

export async function loadConfig(): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  } catch {
    throw new ConfigError('config.json could not be loaded: is the server running?');
  }
  if (!response.ok) throw new ConfigError(`config.json could not be loaded (HTTP ${response.status}). Put one next to index.html.`);
  return parseConfig(await response.json().catch(() => undefined));
}
