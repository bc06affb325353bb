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
