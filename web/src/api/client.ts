/**
 * Every REST call the web client makes, through openapi-fetch typed by the OpenAPI document's
 * `paths`: no other module calls fetch for the API. Swapping in the generated client of client/
 * (phase 2) touches this file only.
 *
 * TEMPORARY (phase 1): `paths` comes from ./provisional-schema.d.ts, generated from today's
 * document, which describes requests but not responses. The response types below (marked
 * TEMPORARY) are the narrow shapes this client relies on, read off the API's answers; with the
 * complete document they become the generated `components["schemas"]` and the casts in answer()
 * go away.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './provisional-schema.d.ts';

// ---- TEMPORARY response types (until the document has response schemas) ----------------------

export interface UserName {
  id: number;
  username: string | null;
}

export interface User {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  profile: { status: string; status_msg: string };
}

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user_id: number;
}

export interface RoomSummary {
  id: number;
  room_name: string;
}

/** A room of GET /chat/chatroom/?user_id= (the seed's shape plus the unread count). */
export interface MyRoom extends RoomSummary {
  room_member: { username: string }[];
  unread_count?: number;
}

export interface Message {
  id: string;
  sequence: number;
  room: RoomSummary;
  msg_from: UserName;
  text: string;
  sent_at: string;
  seen_by?: UserName[];
}

export interface PageInfo {
  limit: number;
  prev: number | null;
  next: number | null;
  has_more_before: boolean;
  has_more_after: boolean;
}

export interface RoomMessages extends MyRoom {
  messages: Message[];
  page: PageInfo;
}

export interface UnseenRoom extends MyRoom {
  messages: Message[];
  has_more: boolean;
}

export interface RoomMembers {
  id: number;
  members: { id: number; username: string | null; joined_at: string }[];
  history?: { id: number; username: string | null; event: 'joined' | 'left'; at: string }[];
}

export type TaskState =
  | { state: 'PENDING' | 'STARTED'; result: unknown }
  | { state: 'SUCCESS'; result: Message }
  | { state: 'FAILURE'; result: string };

/** The seed's envelope of the chat endpoints. */
interface Envelope<T> {
  status: number;
  message: string;
  data: T;
}

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

/** The body of a successful answer, or an ApiError. */
async function answer<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', UNREACHABLE);
  }
  if (!result.response.ok) throw problemOf(result.response.status, result.error);
  return result.data as T; // TEMPORARY: see the top of this file
}

const unwrap = async <T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> => (await answer<Envelope<T>>(call)).data;

// ---- the client -----------------------------------------------------------------------------

export interface ApiOptions {
  baseUrl: string;
  /** Bearer token (token mode). */
  token?: () => string | undefined;
  /** Called on a 401 of an authenticated call (an expired token). */
  onUnauthorized?: () => void;
}

export type Api = ReturnType<typeof createApi>;

const id = (value: number) => String(value);

export function createApi(options: ApiOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, '') });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token?.();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401 && options.token?.()) options.onUnauthorized?.();
      return response;
    },
  };
  client.use(auth);

  return {
    listUsers: () => answer<User[]>(client.GET('/users/', {})),

    signUp: (username: string, password: string) =>
      answer<User>(client.POST('/users/', { body: { username, password, profile: { status: 'Online' } } })),

    signIn: (username: string, password: string) => answer<TokenAnswer>(client.POST('/auth/token/', { body: { username, password } })),

    myRooms: (userId: number) => unwrap<MyRoom[]>(client.GET('/chat/chatroom/', { params: { query: { user_id: id(userId) } } })),

    /** Every group room (the seed's anonymous view): what one can join. */
    groupRooms: () => unwrap<RoomSummary[]>(client.GET('/chat/chatroom/', {})),

    createRoom: (userId: number, roomName: string) =>
      unwrap<MyRoom>(client.POST('/chat/chatroom/', { params: { query: { user_id: id(userId) } }, body: { room_name: roomName } })),

    joinRoom: (userId: number, roomId: number) =>
      unwrap<unknown>(client.PUT('/chat/chatroom/{id}/', { params: { path: { id: id(roomId) }, query: { user_id: id(userId) } } })),

    leaveRoom: (userId: number, roomId: number) =>
      answer<unknown>(client.DELETE('/chat/chatroom/{id}/', { params: { path: { id: id(roomId) }, query: { user_id: id(userId) } } })),

    members: (userId: number, roomId: number) =>
      unwrap<RoomMembers>(
        client.GET('/chat/chatroom/{id}/members/', { params: { path: { id: id(roomId) }, query: { user_id: id(userId), include: 'past' } } }),
      ),

    /** One page of history: the newest, or before/after a sequence; marks it seen. */
    messages: (userId: number, roomId: number, page: { limit?: number; before?: number; after?: number; seenBy?: boolean } = {}) =>
      unwrap<RoomMessages>(
        client.GET('/chat/messages/{room_id}/', {
          params: {
            path: { room_id: id(roomId) },
            query: {
              user_id: id(userId),
              ...(page.limit === undefined ? {} : { limit: String(page.limit) }),
              ...(page.before === undefined ? {} : { before: String(page.before) }),
              ...(page.after === undefined ? {} : { after: String(page.after) }),
              ...(page.seenBy ? { seen_by: '1' as const } : {}),
            },
          },
        }),
      ),

    /** The long poll: unseen messages per room, waiting up to `waitSeconds` for some. */
    unseen: (userId: number, waitSeconds: number, signal?: AbortSignal) =>
      unwrap<UnseenRoom[]>(
        client.GET('/chat/messages/unseen/', { params: { query: { user_id: id(userId), wait: String(waitSeconds) } }, ...(signal ? { signal } : {}) }),
      ),

    sendToRoom: (userId: number, roomId: number, text: string, idempotencyKey: string) =>
      unwrap<string>(
        client.POST('/chat/group/{room_id}/', {
          params: { path: { room_id: id(roomId) }, header: { 'Idempotency-Key': idempotencyKey } },
          body: { from: userId, text },
        }),
      ),

    sendToUser: (userId: number, toUserId: number, text: string, idempotencyKey: string) =>
      unwrap<string>(
        client.POST('/chat/user/{user_id}/', {
          params: { path: { user_id: id(toUserId) }, header: { 'Idempotency-Key': idempotencyKey } },
          body: { from: userId, text },
        }),
      ),

    taskState: (taskId: string) => answer<TaskState>(client.GET('/chat/task_state/{task_id}', { params: { path: { task_id: taskId } } })),
  };
}
