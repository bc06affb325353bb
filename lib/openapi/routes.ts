import * as z from 'zod/mini';
import type { AuthMode } from '../auth/mode.ts';
import { loginBody } from '../auth/schemas.ts';
import { idText } from '../http/fields.ts';
import { directMessagePath, groupMessagePath, sendMessageBody, sendMessageHeaders } from '../messages/schemas.ts';
import { MAX_WAIT_SECONDS, roomMessagesPath, roomMessagesQuery, unseenQuery } from '../reading/schemas.ts';
import { createRoomBody, roomIdPath, roomMembersQuery } from '../rooms/schemas.ts';
import { taskIdPath } from '../tasks/schemas.ts';
import { createUserBody, patchUserBody, replaceUserBody, userIdPath, userListQuery } from '../users/schemas.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** An object schema, or a pipe from one (its input side is documented). */
type ObjectSchema = z.ZodMiniType<unknown, Record<string, unknown>>;

/**
 * One documented route. The schemas are the very ones the handler parses its input with, so the
 * document cannot drift from what is validated.
 */
export interface RouteDoc {
  method: Method;
  /** As clients call it: with the seed's trailing slash where the seed has one. */
  path: string;
  summary: string;
  tag: 'users' | 'auth' | 'rooms' | 'messages' | 'docs';
  /** Answers without a Bearer token in token mode. */
  public?: boolean;
  /** How `?user_id=` (the acting user, lib/http/actor.ts) is used: required in query mode, optional, or not at all. */
  actor?: 'required' | 'optional';
  pathParams?: ObjectSchema;
  query?: ObjectSchema;
  headers?: ObjectSchema;
  body?: ObjectSchema;
  /** A request body that the body schema accepts (checked by test/trust/openapi.test.ts). */
  example?: unknown;
  /** Success status → description. Errors are described once, as problem+json. */
  responses: Record<number, string>;
}

/**
 * Only `?user_id=` is documented for the acting user: the schema is the id field actingUserId
 * parses it with.
 */
export const actingUserQuery = (required: boolean) => z.object({ user_id: required ? idText : z.optional(idText) });

const userExample = {
  username: 'ada',
  password: 'Correct-Horse-1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  profile: { status: 'Online', status_msg: 'Counting' },
};

export function routeTable(mode: AuthMode): RouteDoc[] {
  const sendExample = mode === 'token' ? { text: 'Hello!' } : { from: 7, text: 'Hello!' };
  return [
    { method: 'get', path: '/users/', tag: 'users', summary: 'List users (cached), filtered by exact field values', query: userListQuery, responses: { 200: 'A JSON array of users; ETag, 304 on If-None-Match' } },
    { method: 'post', path: '/users/', tag: 'users', public: true, summary: 'Sign up: create a user', body: createUserBody, example: userExample, responses: { 201: 'The created user (never a password)' } },
    { method: 'get', path: '/users/{id}/', tag: 'users', summary: 'One user', pathParams: userIdPath, responses: { 200: 'The user; ETag, 304 on If-None-Match' } },
    { method: 'put', path: '/users/{id}/', tag: 'users', summary: 'Update a user (token mode: only oneself); the password may be left out; If-Match (strong) makes it conditional (412)', pathParams: userIdPath, body: replaceUserBody, example: { username: 'ada', profile: { status: 'Busy' } }, responses: { 200: 'The updated user, with its ETag' } },
    { method: 'patch', path: '/users/{id}/', tag: 'users', summary: 'Change some fields of a user (token mode: only oneself); If-Match (strong) makes it conditional (412)', pathParams: userIdPath, body: patchUserBody, example: { profile: { status_msg: 'Away' } }, responses: { 200: 'The updated user, with its ETag' } },
    { method: 'delete', path: '/users/{id}/', tag: 'users', summary: 'Delete a user (token mode: only oneself)', pathParams: userIdPath, responses: { 204: 'Deleted' } },
    { method: 'post', path: '/auth/token/', tag: 'auth', public: true, summary: 'Exchange a username and password for a Bearer token (15 minutes)', body: loginBody, example: { username: 'user_1', password: 'Passw0rd!' }, responses: { 200: '{access_token, token_type: "Bearer", expires_in, user_id}' } },
    { method: 'get', path: '/chat/chatroom/', tag: 'rooms', actor: 'optional', summary: "Group rooms, or with an acting user that user's rooms with their members", responses: { 200: 'Envelope {status, message, data: rooms}' } },
    { method: 'post', path: '/chat/chatroom/', tag: 'rooms', actor: 'optional', summary: 'Create a group room with a unique name (the acting user, if any, is a member)', body: createRoomBody, example: { room_name: 'general', room_member: [{ username: 'user_2' }, { username: 'user_3' }] }, responses: { 200: 'Envelope with the room {id, room_name, room_member}' } },
    { method: 'get', path: '/chat/chatroom/{id}/', tag: 'rooms', actor: 'optional', summary: 'A group room, or with an acting user any room of theirs with its members', pathParams: roomIdPath, responses: { 200: 'Envelope with the room' } },
    { method: 'put', path: '/chat/chatroom/{id}/', tag: 'rooms', actor: 'required', summary: 'Join a group room', pathParams: roomIdPath, responses: { 200: 'Envelope {status, message}' } },
    { method: 'delete', path: '/chat/chatroom/{id}/', tag: 'rooms', actor: 'required', summary: 'Leave a room (its last member leaving deletes it)', pathParams: roomIdPath, responses: { 204: 'Left' } },
    { method: 'get', path: '/chat/chatroom/{id}/members/', tag: 'rooms', actor: 'required', summary: 'A page of the current members (limit ≤ 100, after a user id), and with include=past a page of the join/leave history', pathParams: roomIdPath, query: roomMembersQuery, responses: { 200: 'Envelope {id, member_count, members, history?, page: {limit, next, history_next?}}' } },
    { method: 'post', path: '/chat/user/{user_id}/', tag: 'messages', summary: 'Send a direct message (the pair’s room is created by the first one); answers a task id at once', pathParams: directMessagePath, headers: sendMessageHeaders, body: sendMessageBody(mode), example: sendExample, responses: { 200: 'Envelope with the task id (Idempotent-Replayed: true on a replay)' } },
    { method: 'post', path: '/chat/group/{room_id}/', tag: 'messages', summary: 'Send a message to a group room the sender is a member of; answers a task id at once', pathParams: groupMessagePath, headers: sendMessageHeaders, body: sendMessageBody(mode), example: sendExample, responses: { 200: 'Envelope with the task id (Idempotent-Replayed: true on a replay)' } },
    { method: 'get', path: '/chat/messages/{room_id}/', tag: 'messages', actor: 'required', summary: "A room's messages, members only: the newest page (limit ≤ 100) or the page before/after a sequence; marks them seen", pathParams: roomMessagesPath, query: roomMessagesQuery, responses: { 200: 'Envelope with the room, its messages and the page cursors' } },
    { method: 'get', path: '/chat/messages/unseen/', tag: 'messages', actor: 'required', summary: `Per room, the messages the user has not seen and did not send, then marked seen; wait=N long-polls up to ${MAX_WAIT_SECONDS} s`, query: unseenQuery, responses: { 200: 'Envelope with the unseen messages per room' } },
    { method: 'get', path: '/chat/task_state/{task_id}', tag: 'messages', summary: 'State of a send: PENDING, RETRY (not stored yet after several attempts; can still succeed), SUCCESS (with the stored message) or FAILURE (with the reason)', pathParams: taskIdPath, responses: { 200: '{state, result}: PENDING (queued), RETRY (dead-lettered or on its last attempt, result: why), SUCCESS (result: the message), FAILURE (result: why); 404 for an unknown or expired id' } },
    { method: 'get', path: '/openapi.json', tag: 'docs', public: true, summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
    { method: 'get', path: '/health', tag: 'docs', public: true, summary: 'Liveness: answers {"status": "ok"} and reads no data store', responses: { 200: '{status: "ok"}' } },
  ];
}
