import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { awsConfig, createResources } from '../../../local/resources.ts';

/** What test/web/support/global-setup.ts provides. */
export interface WebStack {
  /** The web client as `npm start` serves it, e.g. http://127.0.0.1:40123 */
  webUrl: string;
  /** The same app told there is no WebSocket API: live updates by the long poll only. */
  pollWebUrl: string;
  /** The stack's WebSocket API (the first web server's app uses it). */
  wsUrl: string | null;
  /** The REST API (serverless-offline). */
  apiUrl: string;
  /** The stack's environment (endpoints, table and queue names). */
  env: Record<string, string>;
  /** The built app. */
  distDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    webStack: WebStack;
  }
}

export const webStack = (): WebStack => inject('webStack');

/** Calls the stack's API as curl would (test set-up only: the app under test uses its own client). */
export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, webStack().apiUrl), {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Creates a user through the API; returns its id. */
export async function signUp(username: string): Promise<number> {
  const answer = await api<{ id: number }>('POST', '/users/', { username, password: 'Correct-Horse-1', profile: { status: 'Online' } });
  if (answer.status !== 201) throw new Error(`POST /users/ ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

/** Makes the message queue unavailable: it is deleted, so every send answers 503 until restoreQueue(). */
export async function deleteQueue(): Promise<void> {
  const { env } = webStack();
  const sqs = new SQSClient(awsConfig(env, env.AWS_ENDPOINT_URL_SQS));
  try {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: env.MESSAGE_QUEUE_URL }));
  } finally {
    sqs.destroy();
  }
}

/** Creates the queue again from infra/definitions.json (same name, so the same URL). */
export async function restoreQueue(): Promise<void> {
  const { env } = webStack();
  const { messageQueueUrl } = await createResources(env, { tables: false });
  if (!env.MESSAGE_QUEUE_URL?.endsWith(new URL(messageQueueUrl).pathname)) throw new Error(`queue came back as ${messageQueueUrl}, not ${env.MESSAGE_QUEUE_URL}`);
}

/** Polls the API until `check` holds: at most `tries` times, 100 ms apart. */
export async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, tries = 300): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)?.slice(0, 300)} after ${tries} tries`);
}
