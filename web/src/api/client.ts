/**
 * Every REST call the web client makes, through the typed client of client/ (openapi-fetch over
 * the `paths` that openapi-typescript generates from the API's OpenAPI document, client/schema.ts):
 * requests and answers are typed by the document, and no other module calls fetch for the API.
 * The names the app uses for answers are the document's `components["schemas"]`.
 */
import type { Middleware } from 'openapi-fetch';
import { createChatClient, type components } from '../../../client/index.ts';

type Schemas = components['schemas'];

export type User = Schemas['User'];
export type Token = Schemas['Token'];
export type RoomSummary = Schemas['RoomSummary'];
/** A room of GET /chat/chatroom/?user_id= (with its unread count). */
export type MyRoom = Schemas['MyRoom'];
export type RoomWithMembers = Schemas['RoomWithMembers'];
/** A message as read (history, the long poll, a socket frame); a task's stored message is one too. */
export type Message = Schemas['ReadMessage'];
export type RoomMessages = Schemas['RoomMessages'];
export type UnseenRoom = Schemas['UnseenRoom'];
export type RoomMembers = Schemas['RoomMembers'];
export type TaskState = Schemas['TaskStatus'];

// ---- errors ---------------------------------------------------------------------------------

/** A failed call: the problem+json of the API (`status` 0 when there was no answer at all). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: Record<string, string[]> | undefined;

  constructor(status: number, code: string, detail: string, errors?: Record<string, string[]>) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
  }
}

export const UNREACHABLE = 'The chat server cannot be reached. Check your connection; we keep retrying.';

function problemOf(status: number, body: unknown): ApiError {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; detail?: unknown; errors?: unknown };
  const detail = typeof problem.detail === 'string' && problem.detail ? problem.detail : `The server answered ${status}.`;
  const code = typeof problem.code === 'string' ? problem.code : 'http_error';
  return new ApiError(status, code, detail, (problem.errors as Record<string, string[]> | undefined) ?? undefined);
}

/** What an openapi-fetch call resolves to: `data` typed by the document's 2xx answer. */
type Call<D> = Promise<{ data?: D; error?: unknown; response: Response }>;

/** Awaits a call: an ApiError when there was no answer or a failed one. */
async function settle<D>(call: Call<D>): Promise<{ data?: D; response: Response }> {
  let result: Awaited<Call<D>>;
  try {
    result = await call;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', UNREACHABLE);
  }
  if (!result.response.ok) throw problemOf(result.response.status, result.error);
  return result;
}

/** The body of a successful answer (typed by the document), or an ApiError. */
async function answer<D>(call: Call<D>): Promise<D> {
  const { data, response } = await settle(call);
  if (data === undefined) throw new ApiError(response.status, 'empty_answer', `The server answered ${response.status} without a body.`);
  return data;
}

/** The `data` of the chat endpoints' envelope (`{status, message, data}`, as the seed answers). */
const unwrap = async <T>(call: Call<{ data: T }>): Promise<T> => (await answer(call)).data;

/** An answer whose body does not matter (204, or an envelope without data). */
const done = async (call: Call<unknown>): Promise<void> => {
  await settle(call);
};

/** GET /chat/chatroom/ answers the acting user's rooms (MyRoom) with user_id, group rooms without: the document has both. */
const isMyRooms = (rooms: RoomSummary[] | MyRoom[]): rooms is MyRoom[] => rooms.every((room) => 'unread_count' in room);

// ---- the client -----------------------------------------------------------------------------

export interface ApiOptions {
  baseUrl: string;
  /** Bearer token (token mode). */
  token?: () => string | undefined;
  /** Called on a 401 of an authenticated call (an expired token). */
  onUnauthorized?: () => void;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(options: ApiOptions) {
  const client = createChatClient({ baseUrl: options.baseUrl.replace(/\/+$/, ''), ...(options.token ? { token: options.token } : {}) });
  const expired: Middleware = {
    onResponse({ response }) {
      if (response.status === 401 && options.token?.()) options.onUnauthorized?.();
      return response;
    },
  };
  client.use(expired);

  return {
    listUsers: () => answer(client.GET('/users/', {})),

    signUp: (username: string, password: string) => answer(client.POST('/users/', { body: { username, password, profile: { status: 'Online' } } })),

    signIn: (username: string, password: string) => answer(client.POST('/auth/token/', { body: { username, password } })),

    myRooms: async (userId: number): Promise<MyRoom[]> => {
      const rooms = await unwrap(client.GET('/chat/chatroom/', { params: { query: { user_id: userId } } }));
      if (!isMyRooms(rooms)) throw new ApiError(200, 'unexpected_answer', 'The server answered the group-room list instead of your rooms.');
      return rooms;
    },

    /** Every group room (the seed's anonymous view): what one can join. */
    groupRooms: (): Promise<RoomSummary[]> => unwrap(client.GET('/chat/chatroom/', {})),

    createRoom: (userId: number, roomName: string) =>
      unwrap(client.POST('/chat/chatroom/', { params: { query: { user_id: userId } }, body: { room_name: roomName } })),

    joinRoom: (userId: number, roomId: number) => done(client.PUT('/chat/chatroom/{id}/', { params: { path: { id: roomId }, query: { user_id: userId } } })),

    leaveRoom: (userId: number, roomId: number) => done(client.DELETE('/chat/chatroom/{id}/', { params: { path: { id: roomId }, query: { user_id: userId } } })),

    members: (userId: number, roomId: number) =>
      unwrap(client.GET('/chat/chatroom/{id}/members/', { params: { path: { id: roomId }, query: { user_id: userId, include: 'past' } } })),

    /** One page of history: the newest, or before/after a sequence; marks it seen. */
    messages: (userId: number, roomId: number, page: { limit?: number; before?: number; after?: number; seenBy?: boolean } = {}) =>
      unwrap(
        client.GET('/chat/messages/{room_id}/', {
          params: {
            path: { room_id: roomId },
            query: {
              user_id: userId,
              ...(page.limit === undefined ? {} : { limit: page.limit }),
              ...(page.before === undefined ? {} : { before: page.before }),
              ...(page.after === undefined ? {} : { after: page.after }),
              ...(page.seenBy ? { seen_by: '1' as const } : {}),
            },
          },
        }),
      ),

    /** The long poll: unseen messages per room, waiting up to `waitSeconds` for some. */
    unseen: (userId: number, waitSeconds: number, signal?: AbortSignal) =>
      unwrap(client.GET('/chat/messages/unseen/', { params: { query: { user_id: userId, wait: waitSeconds } }, ...(signal ? { signal } : {}) })),

    sendToRoom: (userId: number, roomId: number, text: string, idempotencyKey: string) =>
      unwrap(
        client.POST('/chat/group/{room_id}/', {
          params: { path: { room_id: roomId }, header: { 'Idempotency-Key': idempotencyKey } },
          body: { from: userId, text },
        }),
      ),

    sendToUser: (userId: number, toUserId: number, text: string, idempotencyKey: string) =>
      unwrap(
        client.POST('/chat/user/{user_id}/', {
          params: { path: { user_id: toUserId }, header: { 'Idempotency-Key': idempotencyKey } },
          body: { from: userId, text },
        }),
      ),

    taskState: (taskId: string) => answer(client.GET('/chat/task_state/{task_id}', { params: { path: { task_id: taskId } } })),
  };
}
