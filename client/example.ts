/**
 * A chat session written with the typed client, as an application would: create a room, send
 * with an Idempotency-Key (and retry the send, which replays the first answer), wait for the
 * task, then page through the history. No casts: every type comes from the generated schema.
 *
 *   npx node --experimental-strip-types client/example.ts http://localhost:8000
 *   npx node --experimental-strip-types client/example.ts https://….amazonaws.com alice 'S3cure-passw0rd'
 *
 * test/e2e/client-http.test.ts and test/e2e/token-mode-http.test.ts run it against the local stack,
 * in each auth mode.
 */
import { fileURLToPath } from 'node:url';
import { createChatClient, type ChatClient, type ChatClientOptions, type Message, type Problem } from './index.ts';

export interface FlowResult {
  roomId: number;
  taskId: string;
  /** The retried send answered the same task id, with `Idempotent-Replayed: true`. */
  replayed: boolean;
  /** The stored message of the task. */
  stored: Message;
  /** Every message of the room, oldest first, read two per page from the newest. */
  history: string[];
}

export interface FlowOptions {
  /**
   * The acting user. The local stage (AUTH_MODE=query) knows them only by this; with a token it must
   * be the token's user (and could be left out where the user is required, not where it is optional).
   */
  userId: number;
  /** Someone to invite into the room. */
  member: string;
  /** The messages to send (the first one twice, under one Idempotency-Key). */
  texts: string[];
}

const TASK_POLLS = 200;
const TASK_POLL_MS = 50;

class ApiError extends Error {
  constructor(what: string, status: number, problem: Problem | undefined) {
    super(`${what}: ${status} ${problem ? `${problem.code}: ${problem.detail}` : ''}`);
  }
}

/** Throws unless the answer carries data; narrows it otherwise. */
function ok<T>(what: string, answer: { data?: T; error?: Problem; response: Response }): T {
  if (answer.data === undefined) throw new ApiError(what, answer.response.status, answer.error);
  return answer.data;
}

async function waitForTask(client: ChatClient, taskId: string) {
  for (let poll = 0; poll < TASK_POLLS; poll++) {
    const status = ok('task state', await client.GET('/chat/task_state/{task_id}', { params: { path: { task_id: taskId } } }));
    if (status.state === 'SUCCESS') return status.result;
    if (status.state === 'FAILURE') throw new Error(`the message was not stored: ${status.result}`);
    await new Promise((resolve) => setTimeout(resolve, TASK_POLL_MS));
  }
  throw new Error(`task ${taskId} did not finish after ${TASK_POLLS} polls`);
}

export async function chatFlow(client: ChatClient, options: FlowOptions): Promise<FlowResult> {
  const actor = { user_id: options.userId };
  const [first, ...others] = options.texts;
  if (first === undefined) throw new Error('chatFlow needs at least one text');

  const created = ok(
    'create room',
    await client.POST('/chat/chatroom/', {
      params: { query: actor },
      body: { room_name: `example_${crypto.randomUUID().slice(0, 8)}`, room_member: [{ username: options.member }] },
    }),
  );
  const roomId = created.data.id;

  const send = (text: string, key: string) =>
    client.POST('/chat/group/{room_id}/', {
      params: { path: { room_id: roomId }, header: { 'Idempotency-Key': key } },
      body: { from: options.userId, text },
    });
  const key = `example-${crypto.randomUUID()}`;
  const firstSend = await send(first, key);
  const taskId = ok('send', firstSend).data;
  // A retry of the same send (a timeout, a reconnect): the same task, nothing queued twice.
  const retry = await send(first, key);
  const replayed = ok('send again', retry).data === taskId && retry.response.headers.get('Idempotent-Replayed') === 'true';
  let lastTask = taskId;
  for (const text of others) lastTask = ok('send', await send(text, `example-${crypto.randomUUID()}`)).data;

  const stored = await waitForTask(client, taskId);
  await waitForTask(client, lastTask);

  // Newest page first, then each older page through its `prev` cursor.
  const pages: string[][] = [];
  let before: number | undefined;
  for (let page = 0; page <= options.texts.length; page++) {
    const read = ok(
      'history',
      await client.GET('/chat/messages/{room_id}/', { params: { path: { room_id: roomId }, query: { ...actor, limit: 2, ...(before === undefined ? {} : { before }) } } }),
    );
    pages.unshift(read.data.messages.map((message) => message.text));
    if (!read.data.page.has_more_before || read.data.page.prev === null) break;
    before = read.data.page.prev;
  }
  return { roomId, taskId, replayed, stored, history: pages.flat() };
}

/** Signs in (deployed stages): a client that sends the token, and the user's id. */
export async function signIn(options: ChatClientOptions, username: string, password: string): Promise<{ client: ChatClient; userId: number }> {
  const token = ok('sign in', await createChatClient(options).POST('/auth/token/', { body: { username, password } }));
  return { client: createChatClient({ ...options, token: token.access_token }), userId: token.user_id };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [baseUrl = 'http://localhost:8000', username, password] = process.argv.slice(2);
  const texts = ['Hello!', 'Is anyone there?', 'Bye.'];
  if (username && password) {
    const { client, userId } = await signIn({ baseUrl }, username, password);
    console.log(await chatFlow(client, { userId, member: username, texts }));
  } else {
    const client = createChatClient({ baseUrl });
    const [me] = ok('find user_1', await client.GET('/users/', { params: { query: { username: 'user_1' } } }));
    if (!me) throw new Error('user_1 is not there: the local stack seeds user_1 … user_15');
    console.log(await chatFlow(client, { userId: me.id, member: 'user_2', texts }));
  }
}
