import type { HttpAnswer } from './lambda.ts';

/** Calls the API over real HTTP, through serverless-offline, as a curl would. */
export async function http<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<T>> {
  const base = process.env.CHAT_HTTP_URL;
  if (!base) throw new Error('CHAT_HTTP_URL is not set: the integration global setup did not start serverless-offline');
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text ? JSON.parse(text) : undefined,
  };
}
