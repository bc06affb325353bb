import { checkExchange } from './contract.ts';
import type { HttpAnswer } from './lambda.ts';

/**
 * Calls the API over real HTTP, through serverless-offline, as a curl would; every answer is
 * checked against the OpenAPI document (test/support/contract.ts). `base`: another stack's URL
 * (default: the run's, CHAT_HTTP_URL).
 */
export async function http<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; base?: string } = {},
): Promise<HttpAnswer<T>> {
  const base = options.base ?? process.env.CHAT_HTTP_URL;
  if (!base) throw new Error('CHAT_HTTP_URL is not set: the integration global setup did not start serverless-offline');
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers },
    body,
  });
  const text = await response.text();
  const headers = Object.fromEntries(response.headers.entries());
  await checkExchange({ method, path, status: response.status, headers, body: text });
  return { status: response.status, headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * A fetch that checks every answer against the OpenAPI document: for the typed client
 * (createChatClient({ fetch: checkedFetch })).
 */
export async function checkedFetch(input: Request): Promise<Response> {
  const response = await fetch(input);
  const text = await response.clone().text();
  const url = new URL(input.url);
  await checkExchange({ method: input.method, path: url.pathname, status: response.status, headers: Object.fromEntries(response.headers.entries()), body: text });
  return response;
}

/** Polls GET /chat/task_state/:id until the task is finished: at most 200 tries, 50 ms apart. */
export async function taskOutcome(taskId: string): Promise<{ state: string; result: any }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const answer = await http('GET', `/chat/task_state/${taskId}`);
    if (answer.status !== 200) throw new Error(`task_state answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (answer.body.state === 'SUCCESS' || answer.body.state === 'FAILURE') return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${taskId} did not finish`);
}
