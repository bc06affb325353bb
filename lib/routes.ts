/**
 * The route table: every Lambda function of the service, declared once. An entry has the fields
 * serverless.yml would give the function (`handler`, `events`, `iamRoleStatements`, `timeout`…)
 * and, for an endpoint, its HTTP contract (`http`): method, path, the zod schemas of its input and
 * of every answer, and whether it needs a token. From this table come serverless.yml's `functions`
 * (infra/serverless-functions.cjs), the OpenAPI document (lib/openapi/document.ts), the typed
 * client (client/), and the lists the tests and the benchmark enumerate. README, "Adding an
 * endpoint", says how to add one.
 */
import type * as z from 'zod/mini';
import { loginBody } from './auth/schemas.ts';
import { directMessagePath, groupMessagePath, sendMessageBody, sendMessageHeaders } from './messages/schemas.ts';
import { MAX_WAIT_SECONDS, roomMessagesPath, roomMessagesQuery, unseenQuery } from './reading/schemas.ts';
import { createRoomBody, roomIdPath, roomMembersQuery } from './rooms/schemas.ts';
import { taskIdPath } from './tasks/schemas.ts';
import { createUserBody, patchUserBody, replaceUserBody, userIdPath, userListQuery } from './users/schemas.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An object schema, or a pipe from one: what a path, query, header set or body is parsed with. */
export type ObjectSchema = z.ZodMiniType<unknown, Record<string, unknown>>;

export type Tag = 'users' | 'auth' | 'rooms' | 'messages' | 'docs';

/** The HTTP contract of an endpoint: its OpenAPI operation, and its route on the HTTP API. */
export interface HttpContract {
  method: HttpMethod;
  /** As clients call it: with the seed's trailing slash where the seed has one. */
  path: `/${string}`;
  summary: string;
  tag: Tag;
  /**
   * `public`: answers without a Bearer token in token mode (sign-up, login, the API description);
   * `token`: deployed stages (AUTH_MODE=token) need one. The handler passes this to httpHandler.
   */
  auth: 'public' | 'token';
  /** How `?user_id=` (the acting user, lib/http/actor.ts) is read: required in query mode, or optional. */
  actor?: 'required' | 'optional';
  /** The very schemas the handler parses its input with. */
  request?: { path?: ObjectSchema; query?: ObjectSchema; headers?: ObjectSchema; body?: ObjectSchema };
  /** A request body that the body schema accepts (test/trust/openapi.test.ts checks it). */
  example?: unknown;
  /** Success status → description. */
  responses: Record<number, string>;
}

/** A CloudFormation value as serverless.yml's `!GetAtt`/`!Join` write it: an intrinsic function object. */
export type CloudFormationValue = string | Readonly<Record<string, unknown>>;

export interface IamStatement {
  Effect: 'Allow';
  Action: readonly string[];
  Resource: CloudFormationValue | readonly CloudFormationValue[];
}

/** A trigger other than the HTTP route, exactly as serverless.yml writes it (sqs, websocket, stream…). */
export type ServerlessEvent = Readonly<Record<string, unknown>>;

export interface FunctionEntry {
  /** `functions/<file>.handler`, as serverless.yml writes it. */
  handler: `functions/${string}.handler`;
  /** The endpoint this function serves (becomes its `httpApi` event and its OpenAPI operation). */
  http?: HttpContract;
  /** Other triggers, as serverless.yml writes them. */
  events?: readonly ServerlessEvent[];
  /** Least privilege: exactly what the function calls (test/infra/template.test.ts checks the template). */
  iamRoleStatements: readonly IamStatement[];
  timeout?: number;
}

/** The ARNs the functions are granted, as CloudFormation references to serverless.yml's resources. */
const arn = {
  chatTable: { 'Fn::GetAtt': ['ChatTable', 'Arn'] },
  chatTableGsi1: { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['ChatTable', 'Arn'] }, 'index', 'GSI1']] },
  tasksTable: { 'Fn::GetAtt': ['TasksTable', 'Arn'] },
  messageQueue: { 'Fn::GetAtt': ['MessageQueue', 'Arn'] },
  deadLetterQueue: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
} as const;

const userExample = {
  username: 'ada',
  password: 'Correct-Horse-1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  profile: { status: 'Online', status_msg: 'Counting' },
};
const sendExample = { from: 7, text: 'Hello!' };

export const functions = {
  // Users
  usersList: {
    handler: 'functions/users-list.handler',
    http: { method: 'GET', path: '/users/', tag: 'users', auth: 'token', summary: 'List users (cached), filtered by exact field values', request: { query: userListQuery }, responses: { 200: 'A JSON array of users; ETag, 304 on If-None-Match' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:Query'], Resource: arn.chatTableGsi1 }],
  },
  usersCreate: {
    handler: 'functions/users-create.handler',
    http: { method: 'POST', path: '/users/', tag: 'users', auth: 'public', summary: 'Sign up: create a user', request: { body: createUserBody }, example: userExample, responses: { 201: 'The created user (never a password)' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:PutItem'], Resource: arn.chatTable }],
  },
  userGet: {
    handler: 'functions/user-get.handler',
    http: { method: 'GET', path: '/users/{id}/', tag: 'users', auth: 'token', summary: 'One user', request: { path: userIdPath }, responses: { 200: 'The user' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: arn.chatTable }],
  },
  userReplace: {
    handler: 'functions/user-replace.handler',
    http: { method: 'PUT', path: '/users/{id}/', tag: 'users', auth: 'token', summary: 'Update a user (token mode: only oneself); the password may be left out', request: { path: userIdPath, body: replaceUserBody }, example: { username: 'ada', profile: { status: 'Busy' } }, responses: { 200: 'The updated user' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: arn.chatTable }],
  },
  userPatch: {
    handler: 'functions/user-patch.handler',
    http: { method: 'PATCH', path: '/users/{id}/', tag: 'users', auth: 'token', summary: 'Change some fields of a user (token mode: only oneself)', request: { path: userIdPath, body: patchUserBody }, example: { profile: { status_msg: 'Away' } }, responses: { 200: 'The updated user' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: arn.chatTable }],
  },
  userDelete: {
    handler: 'functions/user-delete.handler',
    http: { method: 'DELETE', path: '/users/{id}/', tag: 'users', auth: 'token', summary: 'Delete a user (token mode: only oneself)', request: { path: userIdPath }, responses: { 204: 'Deleted' } },
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: arn.chatTable },
      { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: arn.chatTableGsi1 },
    ],
  },

  // Auth
  authToken: {
    handler: 'functions/auth-token.handler',
    http: { method: 'POST', path: '/auth/token/', tag: 'auth', auth: 'public', summary: 'Exchange a username and password for a Bearer token (15 minutes)', request: { body: loginBody }, example: { username: 'user_1', password: 'Passw0rd!' }, responses: { 200: '{access_token, token_type: "Bearer", expires_in, user_id}' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: arn.chatTable }],
  },

  // Rooms
  chatroomList: {
    handler: 'functions/chatroom-list.handler',
    http: { method: 'GET', path: '/chat/chatroom/', tag: 'rooms', auth: 'token', actor: 'optional', summary: "Group rooms, or with an acting user that user's rooms with their members", responses: { 200: 'Envelope {status, message, data: rooms}' } },
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [arn.chatTableGsi1] },
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem'], Resource: [arn.chatTable] },
    ],
  },
  chatroomCreate: {
    handler: 'functions/chatroom-create.handler',
    http: { method: 'POST', path: '/chat/chatroom/', tag: 'rooms', auth: 'token', actor: 'optional', summary: 'Create a group room with a unique name (the acting user, if any, is a member)', request: { body: createRoomBody }, example: { room_name: 'general', room_member: [{ username: 'user_2' }, { username: 'user_3' }] }, responses: { 200: 'Envelope with the room {id, room_name, room_member}' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], Resource: [arn.chatTable] }],
  },
  chatroomGet: {
    handler: 'functions/chatroom-get.handler',
    http: { method: 'GET', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'optional', summary: 'A group room, or with an acting user any room of theirs with its members', request: { path: roomIdPath }, responses: { 200: 'Envelope with the room' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], Resource: [arn.chatTable] }],
  },
  chatroomJoin: {
    handler: 'functions/chatroom-join.handler',
    http: { method: 'PUT', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'required', summary: 'Join a group room', request: { path: roomIdPath }, responses: { 200: 'Envelope {status, message}' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [arn.chatTable] }],
  },
  chatroomLeave: {
    handler: 'functions/chatroom-leave.handler',
    http: { method: 'DELETE', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'required', summary: 'Leave a room (its last member leaving deletes it)', request: { path: roomIdPath }, responses: { 204: 'Left' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [arn.chatTable] }],
  },
  chatroomMembers: {
    handler: 'functions/chatroom-members.handler',
    http: { method: 'GET', path: '/chat/chatroom/{id}/members/', tag: 'rooms', auth: 'token', actor: 'required', summary: 'Current members, and with include=past the join/leave history', request: { path: roomIdPath, query: roomMembersQuery }, responses: { 200: 'Envelope {id, members, history?}' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:BatchGetItem'], Resource: [arn.chatTable] }],
  },

  // Messages. HTTP API refuses route keys ending in '/'; API Gateway and serverless-offline route
  // the seed's '/chat/user/1/' to them (routeKey drops the slash).
  sendDirect: {
    handler: 'functions/send-direct.handler',
    http: { method: 'POST', path: '/chat/user/{user_id}/', tag: 'messages', auth: 'token', summary: 'Send a direct message (the pair’s room is created by the first one); answers a task id at once', request: { path: directMessagePath, headers: sendMessageHeaders, body: sendMessageBody('token') }, example: sendExample, responses: { 200: 'Envelope with the task id (Idempotent-Replayed: true on a replay)' } },
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], Resource: [arn.chatTable] },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [arn.tasksTable] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn.messageQueue] },
    ],
  },
  sendGroup: {
    handler: 'functions/send-group.handler',
    http: { method: 'POST', path: '/chat/group/{room_id}/', tag: 'messages', auth: 'token', summary: 'Send a message to a group room the sender is a member of; answers a task id at once', request: { path: groupMessagePath, headers: sendMessageHeaders, body: sendMessageBody('token') }, example: sendExample, responses: { 200: 'Envelope with the task id (Idempotent-Replayed: true on a replay)' } },
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [arn.chatTable] },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [arn.tasksTable] },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn.messageQueue] },
    ],
  },
  taskState: {
    handler: 'functions/task-state.handler',
    http: { method: 'GET', path: '/chat/task_state/{task_id}', tag: 'messages', auth: 'token', summary: 'State of a send: PENDING, STARTED, SUCCESS (with the stored message) or FAILURE (with the reason)', request: { path: taskIdPath }, responses: { 200: '{state, result}' } },
    iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [arn.tasksTable] }],
  },
  messageConsumer: {
    handler: 'functions/message-consumer.handler',
    // The queue's visibility timeout (60 s) must cover a whole batch; AWS advises ≥ 6 × the timeout
    // for SQS-triggered functions when throttled invocations retry.
    timeout: 10,
    events: [
      // No maximumBatchingWindow: Lambda does not support a batching window on FIFO queues.
      { sqs: { arn: arn.messageQueue, batchSize: 10, functionResponseType: 'ReportBatchItemFailures' } },
    ],
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [arn.chatTable] },
      { Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: [arn.tasksTable] },
      // sqs:ReceiveMessage/DeleteMessage/GetQueueAttributes on MessageQueue (the event source, and the
      // redrive policy the consumer reads) are added by the per-function IAM plugin for the sqs event.
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn.deadLetterQueue] },
    ],
  },

  // Reading. The literal 'unseen' route wins over '{room_id}' in both API Gateway and
  // serverless-offline, and 'unseen' is no valid room id anyway.
  messagesList: {
    handler: 'functions/messages-list.handler',
    http: { method: 'GET', path: '/chat/messages/{room_id}/', tag: 'messages', auth: 'token', actor: 'required', summary: "A room's messages, members only: the newest page (limit ≤ 100) or the page before/after a sequence; marks them seen", request: { path: roomMessagesPath, query: roomMessagesQuery }, responses: { 200: 'Envelope with the room, its messages and the page cursors' } },
    iamRoleStatements: [
      // BatchGetItem: user, META, ROSTER, membership, usernames; Query: the page and, with seen_by,
      // the memberships; GetItem + UpdateItem: the reader's watermark.
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [arn.chatTable] },
    ],
  },
  messagesUnseen: {
    handler: 'functions/messages-unseen.handler',
    http: { method: 'GET', path: '/chat/messages/unseen/', tag: 'messages', auth: 'token', actor: 'required', summary: `Per room, the messages the user has not seen and did not send, then marked seen; wait=N long-polls up to ${MAX_WAIT_SECONDS} s`, request: { query: unseenQuery }, responses: { 200: 'Envelope with the unseen messages per room' } },
    iamRoleStatements: [
      { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [arn.chatTableGsi1] },
      // BatchGetItem: the user, META, ROSTER and membership of each room, usernames; Query: the rooms
      // with news; GetItem + UpdateItem: the watermarks.
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [arn.chatTable] },
    ],
  },

  // The API description (OpenAPI 3.1), generated from this table. Reads nothing.
  openapi: {
    handler: 'functions/openapi.handler',
    http: { method: 'GET', path: '/openapi.json', tag: 'docs', auth: 'public', summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
    iamRoleStatements: [],
  },
} as const satisfies Record<string, FunctionEntry>;

export type FunctionName = keyof typeof functions;

/** Every entry, typed as the general shape (the table itself keeps its literal types). */
export const functionEntries = (): [FunctionName, FunctionEntry][] => Object.entries(functions) as [FunctionName, FunctionEntry][];

/** The endpoints: the entries with an HTTP contract, with their function name. */
export const endpoints = (): (HttpContract & { name: FunctionName; handler: FunctionEntry['handler'] })[] =>
  functionEntries().flatMap(([name, entry]) => (entry.http ? [{ ...entry.http, name, handler: entry.handler }] : []));

/** The HTTP API route key of a contract: no trailing slash (HTTP API refuses it, and routes '/x/' to '/x'). */
export const routeKey = ({ method, path }: Pick<HttpContract, 'method' | 'path'>) =>
  `${method} ${path.length > 1 ? path.replace(/\/$/, '') : path}`;

/** The source file of a handler: `functions/users-list.handler` → `functions/users-list.ts`. */
export const handlerFile = (handler: FunctionEntry['handler']) => handler.replace(/\.handler$/, '.ts');

/** serverless.yml's `functions`: each entry with its HTTP route as an `httpApi` event. */
export function serverlessFunctions(): Record<string, unknown> {
  return Object.fromEntries(
    functionEntries().map(([name, { http, events = [], ...rest }]) => [
      name,
      { ...rest, events: [...(http ? [{ httpApi: routeKey(http) }] : []), ...events] },
    ]),
  );
}
