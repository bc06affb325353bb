/**
 * The route table: every Lambda function of the service, declared once. An entry has the fields
 * serverless.yml would give the function (`handler`, `events`, `iamRoleStatements`, `timeout`…)
 * and, for an endpoint, its HTTP contract (`http`): method, path, the zod schemas of its input and
 * of every answer, the problems it may answer, and whether it needs a token. From this table come
 * serverless.yml's `functions` and CORS (infra/route-table.cjs), the OpenAPI document
 * (lib/openapi/document.ts), the typed client (client/), and the lists the tests and the benchmark
 * enumerate. README, "Adding an endpoint", says how to add one.
 *
 * No handler imports this table (it would bundle every domain's schemas): the public handlers read
 * their `auth` from lib/http/public-routes.ts, as their entries here do.
 */
import type * as z from 'zod/mini';
import { tokenResponse } from './auth/answers.ts';
import { loginBody } from './auth/schemas.ts';
import { taskIdResponse, taskStatusResponse } from './messages/answers.ts';
import { directMessagePath, groupMessagePath, sendMessageBodyOfEitherMode, sendMessageHeaders } from './messages/schemas.ts';
import { PUBLIC_ROUTES } from './http/public-routes.ts';
import { HEADERS, healthResponse, openApiDocumentResponse, type HeaderName, type ProblemCode } from './openapi/schemas.ts';
import { roomMessagesResponse, unseenRoomsResponse } from './reading/answers.ts';
import { roomMessagesPath, roomMessagesQuery, unseenQuery } from './reading/schemas.ts';
import { roomListResponse, roomMembersResponse, roomViewResponse, roomWithMembersResponse } from './rooms/answers.ts';
import { createRoomBody, roomIdPath, roomMembersQuery } from './rooms/schemas.ts';
import { taskIdPath } from './tasks/schemas.ts';
import { userListResponse, userResponse } from './users/answers.ts';
import { createUserBody, patchUserBody, replaceUserBody, userIdPath, userListQuery, userUpdateHeaders } from './users/schemas.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An object schema, or a pipe from one: what a path, query, header set or body is parsed with. */
export type ObjectSchema = z.ZodMiniType<unknown, Record<string, unknown>>;

export type Tag = 'users' | 'auth' | 'rooms' | 'messages' | 'service';

export type SuccessStatus = 200 | 201 | 204 | 304;

/** One success answer of an endpoint. Without `json` or `envelope` it has no body (204, 304). */
export interface ResponseSpec {
  description: string;
  /** A JSON body with this schema. */
  json?: z.ZodMiniType;
  /** The seed's envelope `{status, message, data}` around `data` of this schema (null: no `data`). */
  envelope?: z.ZodMiniType | null;
  /** An example of the body (of `data` for an envelope), checked against the document by the tests. */
  example?: unknown;
  /** The headers this answer carries (lib/openapi/schemas.ts HEADERS), always or sometimes. */
  headers?: Partial<Record<HeaderName, 'always' | 'sometimes'>>;
}

/** The HTTP contract of an endpoint: its OpenAPI operation, and its route on the HTTP API. */
export interface HttpContract {
  method: HttpMethod;
  /** As clients call it: with the seed's trailing slash where the seed has one. */
  path: `/${string}`;
  summary: string;
  description?: string;
  tag: Tag;
  /**
   * `public`: answers without a Bearer token in token mode (sign-up, login, the API description);
   * `token`: deployed stages (AUTH_MODE=token) need one. The middleware reads it (lib/http/handler.ts).
   * The public ones are declared in lib/http/public-routes.ts, which their handlers read too.
   */
  auth: 'public' | 'token';
  /** How `?user_id=` (the acting user, lib/http/actor.ts) is read: required in query mode, or optional. */
  actor?: 'required' | 'optional';
  /** The very schemas the handler parses its input with. */
  request?: { path?: ObjectSchema; query?: ObjectSchema; headers?: z.ZodMiniObject; body?: ObjectSchema };
  /** A request body that the body schema accepts (the tests check it). */
  example?: unknown;
  /** Examples of parameters, by name, where PARAMETER_EXAMPLES' do not fit. */
  parameterExamples?: Readonly<Record<string, string | number>>;
  responses: Partial<Record<SuccessStatus, ResponseSpec>>;
  /**
   * The problems this endpoint answers of its own. Those every endpoint of its kind may answer
   * (validation, tokens, body limits, 500, 503 where it calls a store, 413 item_too_large where it
   * writes one) are added by lib/openapi/document.ts.
   */
  errors?: readonly ProblemCode[];
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
  memorySize?: number;
  /** Besides provider.environment (serverless.yml), which every function gets. */
  environment?: Readonly<Record<string, CloudFormationValue>>;
}

// The ARNs the functions are granted: CloudFormation references to serverless.yml's resources, one
// constant each.
const chatTable = { 'Fn::GetAtt': ['ChatTable', 'Arn'] } as const;
const chatTableGsi1 = { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['ChatTable', 'Arn'] }, 'index', 'GSI1']] } as const;
const tasksTable = { 'Fn::GetAtt': ['TasksTable', 'Arn'] } as const;
const chatTableStream = { 'Fn::GetAtt': ['ChatTable', 'StreamArn'] } as const;
const messageQueue = { 'Fn::GetAtt': ['MessageQueue', 'Arn'] } as const;
const deadLetterQueue = { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } as const;
// ManageConnections on this stage of the WebSocket API only: POST (send a frame) or DELETE (close).
const postToConnections = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: 'WebsocketsApi' }, '/${sls:stage}/POST/@connections/*']],
} as const;
const closeConnections = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: 'WebsocketsApi' }, '/${sls:stage}/DELETE/@connections/*']],
} as const;
// Where the posting functions reach connections (stage param websocketManagementEndpoint).
const websocketEnvironment = { WEBSOCKET_MANAGEMENT_ENDPOINT: '${param:websocketManagementEndpoint}' } as const;

/** Examples of the parameters, by name (an endpoint's parameterExamples win). */
export const PARAMETER_EXAMPLES: Readonly<Record<string, string | number>> = {
  id: 1,
  user_id: 7,
  room_id: 1,
  task_id: 'a487117c-d31b-45b0-ae3c-28126b0f3ec2',
  username: 'user_1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  profile__status: 'Online',
  limit: 50,
  before: 120,
  after: 100,
  seen_by: '1',
  include: 'past',
  wait: 20,
  'Idempotency-Key': 'send-2026-11-24-0001',
  'If-None-Match': '"3kYq9x5Jd1qBtbV0Kx2uN1m9hZg"',
  'If-Match': '"3kYq9x5Jd1qBtbV0Kx2uN1m9hZg"',
  history_after: '2026-11-24T09:30:00.000Z#000000000007#joined',
};

const SENT_AT = '2026-11-24T09:30:00.000Z';
const exampleUser = {
  id: 7,
  username: 'user_7',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  profile: { status: 'Online', status_msg: 'Counting' },
  date_joined: '2026-11-20T08:00:00.000Z',
  is_active: true,
};
const exampleRoom = { id: 1, room_name: 'general', room_member: [{ username: 'user_7' }, { username: 'user_8' }], member_count: 2, is_direct: false, direct_peer: null };
const exampleMessage = { id: '1-42', sequence: 42, room: { id: 1, room_name: 'general' }, msg_from: { id: 7, username: 'user_7' }, text: 'Hello!', sent_at: SENT_AT };
const examplePage = { limit: 50, prev: 42, next: null, has_more_before: true, has_more_after: false };
const exampleMyRoom = { id: 1, room_name: 'general', room_member: [{ username: 'user_7' }, { username: 'user_8' }], member_count: 2, is_direct: false, direct_peer: null, unread_count: 2 };
const exampleDirectRoom = { id: 2, room_name: 'user_7 - user_8', room_member: [{ username: 'user_7' }, { username: 'user_8' }], member_count: 2, is_direct: true, direct_peer: 8, unread_count: 0 };
const exampleRoomMessages = {
  id: 1,
  room_name: 'general',
  room_member: [{ username: 'user_7' }, { username: 'user_8' }],
  member_count: 2,
  is_direct: false,
  direct_peer: null,
  messages: [{ id: '1-42', sequence: 42, room: { id: 1, room_name: 'general' }, msg_from: { id: 7, username: 'user_7' }, text: 'Hello!', sent_at: SENT_AT, seen_by: [{ id: 8, username: 'user_8' }] }],
  page: examplePage,
};
const exampleUnseenRoom = {
  id: 1,
  room_name: 'general',
  room_member: [{ username: 'user_7' }, { username: 'user_8' }],
  member_count: 2,
  is_direct: false,
  direct_peer: null,
  messages: [exampleMessage],
  has_more: false,
};
const exampleTaskId = 'a487117c-d31b-45b0-ae3c-28126b0f3ec2';
const userBodyExample = { username: 'ada', password: 'Correct-Horse-1', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', profile: { status: 'Online', status_msg: 'Counting' } };
const sendExample = { from: 7, text: 'Hello!' };
const SEND_DESCRIPTION =
  '`from` is the sender: required on the local stage (AUTH_MODE=query); with a Bearer token it may be left out, and must otherwise be the token’s user.';

const sent = {
  description: 'The task id, at once; the message is stored asynchronously (GET /chat/task_state/{task_id}).',
  envelope: taskIdResponse,
  example: exampleTaskId,
  headers: { 'Idempotent-Replayed': 'sometimes' },
} as const satisfies ResponseSpec;

// Users

export const usersList = {
  handler: 'functions/users-list.handler',
  http: {
    method: 'GET', path: '/users/', tag: 'users', auth: 'token',
    summary: 'List users (cached), filtered by exact field values',
    request: { query: userListQuery },
    responses: {
      200: { description: 'Every user matching the filters, a plain JSON array (the seed’s shape)', json: userListResponse, example: [exampleUser], headers: { ETag: 'always', 'Cache-Control': 'always', 'X-Cache': 'always' } },
      304: { description: 'Not modified: If-None-Match names the current ETag', headers: { ETag: 'always', 'Cache-Control': 'always', 'X-Cache': 'always' } },
    },
  },
  iamRoleStatements: [
    { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: chatTableGsi1 },
    // Token mode: the token's user must still exist.
    { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: chatTable },
  ],
} as const satisfies FunctionEntry;

export const usersCreate = {
  handler: 'functions/users-create.handler',
  http: {
    method: 'POST', path: '/users/', tag: 'users', auth: PUBLIC_ROUTES.usersCreate.auth,
    summary: 'Sign up: create a user',
    request: { body: createUserBody },
    example: userBodyExample,
    responses: { 201: { description: 'The created user (never a password)', json: userResponse, example: exampleUser } },
    // rate_limited: sign-ups per IP address, in token mode.
    errors: ['conflict', 'rate_limited'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:PutItem'], Resource: chatTable }],
} as const satisfies FunctionEntry;

export const userGet = {
  handler: 'functions/user-get.handler',
  http: {
    method: 'GET', path: '/users/{id}/', tag: 'users', auth: 'token',
    summary: 'One user, with its ETag (If-Match of PUT and PATCH)',
    request: { path: userIdPath },
    responses: {
      200: { description: 'The user', json: userResponse, example: exampleUser, headers: { ETag: 'always', 'Cache-Control': 'always' } },
      304: { description: 'Not modified: If-None-Match names the current ETag', headers: { ETag: 'always', 'Cache-Control': 'always' } },
    },
    errors: ['not_found'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: chatTable }],
} as const satisfies FunctionEntry;

export const userReplace = {
  handler: 'functions/user-replace.handler',
  http: {
    method: 'PUT', path: '/users/{id}/', tag: 'users', auth: 'token',
    summary: 'Update a user (token mode: only oneself): only the fields given change; the password may be left out',
    request: { path: userIdPath, headers: userUpdateHeaders, body: replaceUserBody },
    example: { username: 'ada', profile: { status: 'Busy' } },
    responses: { 200: { description: 'The updated user, with its new ETag', json: userResponse, example: exampleUser, headers: { ETag: 'always' } } },
    errors: ['forbidden', 'not_found', 'conflict', 'precondition_failed'],
  },
  // UpdateItem: the fields given; a rename moves the username claim (PutItem, DeleteItem) in a
  // transaction; GetItem: the user an If-Match is checked against.
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: chatTable }],
} as const satisfies FunctionEntry;

export const userPatch = {
  handler: 'functions/user-patch.handler',
  http: {
    method: 'PATCH', path: '/users/{id}/', tag: 'users', auth: 'token',
    summary: 'Change some fields of a user (token mode: only oneself)',
    request: { path: userIdPath, headers: userUpdateHeaders, body: patchUserBody },
    example: { profile: { status_msg: 'Away' } },
    responses: { 200: { description: 'The updated user, with its new ETag', json: userResponse, example: exampleUser, headers: { ETag: 'always' } } },
    errors: ['forbidden', 'not_found', 'conflict', 'precondition_failed'],
  },
  // As userReplace.
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: chatTable }],
} as const satisfies FunctionEntry;

export const userDelete = {
  handler: 'functions/user-delete.handler',
  http: {
    method: 'DELETE', path: '/users/{id}/', tag: 'users', auth: 'token',
    summary: 'Delete a user (token mode: only oneself); they leave their rooms first',
    request: { path: userIdPath },
    responses: { 204: { description: 'Deleted' } },
    errors: ['forbidden', 'not_found', 'conflict'],
  },
  iamRoleStatements: [
    // Leaving each room: Query (a replacement for a listed member) and ConditionCheckItem (it is
    // still a member) on the table, as chatroomLeave.
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
      Resource: chatTable,
    },
    { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: chatTableGsi1 },
  ],
} as const satisfies FunctionEntry;

// Auth

export const authToken = {
  handler: 'functions/auth-token.handler',
  http: {
    method: 'POST', path: '/auth/token/', tag: 'auth', auth: PUBLIC_ROUTES.authToken.auth,
    summary: 'Exchange a username and password for a Bearer token (15 minutes)',
    request: { body: loginBody },
    example: { username: 'user_1', password: 'Passw0rd!' },
    responses: {
      200: { description: 'A Bearer token for the user', json: tokenResponse, example: { access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl', token_type: 'Bearer', expires_in: 900, user_id: 7 }, headers: { 'Cache-Control': 'always' } },
    },
    errors: ['invalid_credentials', 'rate_limited'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: chatTable }],
} as const satisfies FunctionEntry;

// Rooms

export const chatroomList = {
  handler: 'functions/chatroom-list.handler',
  http: {
    method: 'GET', path: '/chat/chatroom/', tag: 'rooms', auth: 'token', actor: 'optional',
    summary: "Group rooms, or with an acting user that user's rooms with their members and unread counts",
    responses: { 200: { description: 'The rooms', envelope: roomListResponse, example: [exampleMyRoom, exampleDirectRoom] } },
    errors: ['forbidden', 'not_found'],
  },
  iamRoleStatements: [
    { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [chatTableGsi1] },
    // GetItem: in token mode, the anonymous view checks that the token's user still exists.
    { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'], Resource: [chatTable] },
  ],
} as const satisfies FunctionEntry;

export const chatroomCreate = {
  handler: 'functions/chatroom-create.handler',
  http: {
    method: 'POST', path: '/chat/chatroom/', tag: 'rooms', auth: 'token', actor: 'optional',
    summary: 'Create a group room with a unique name (the acting user, if any, is a member)',
    request: { body: createRoomBody },
    example: { room_name: 'general', room_member: [{ username: 'user_2' }, { username: 'user_3' }] },
    responses: { 200: { description: 'The room with its members', envelope: roomWithMembersResponse, example: exampleRoom } },
    errors: ['forbidden', 'not_found'],
  },
  // DeleteItem: a room created empty and never joined gives its name up to a new room after 24 h.
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [chatTable] }],
} as const satisfies FunctionEntry;

export const chatroomGet = {
  handler: 'functions/chatroom-get.handler',
  http: {
    method: 'GET', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'optional',
    summary: 'A group room, or with an acting user any room of theirs with its members',
    request: { path: roomIdPath },
    responses: { 200: { description: 'The room', envelope: roomViewResponse, example: exampleRoom } },
    errors: ['forbidden', 'not_found'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], Resource: [chatTable] }],
} as const satisfies FunctionEntry;

export const chatroomJoin = {
  handler: 'functions/chatroom-join.handler',
  http: {
    method: 'PUT', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'required',
    summary: 'Join a group room',
    request: { path: roomIdPath },
    responses: { 200: { description: 'Joined: the envelope without data, as in the seed', envelope: null } },
    errors: ['already_member', 'direct_room', 'forbidden', 'not_found', 'conflict'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [chatTable] }],
} as const satisfies FunctionEntry;

export const chatroomLeave = {
  handler: 'functions/chatroom-leave.handler',
  http: {
    method: 'DELETE', path: '/chat/chatroom/{id}/', tag: 'rooms', auth: 'token', actor: 'required',
    summary: 'Leave a room (its last member leaving deletes a group room and frees its name)',
    request: { path: roomIdPath },
    responses: { 204: { description: 'Left' } },
    errors: ['not_a_member', 'forbidden', 'not_found', 'conflict'],
  },
  // Query + ConditionCheckItem: a listed member who leaves is replaced by a current, unlisted one.
  iamRoleStatements: [
    {
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
      Resource: [chatTable],
    },
  ],
} as const satisfies FunctionEntry;

export const chatroomMembers = {
  handler: 'functions/chatroom-members.handler',
  http: {
    method: 'GET', path: '/chat/chatroom/{id}/members/', tag: 'rooms', auth: 'token', actor: 'required',
    summary: 'A page of the current members (limit ≤ 100, after a user id), and with include=past a page of the join/leave history (members only)',
    request: { path: roomIdPath, query: roomMembersQuery },
    responses: {
      200: {
        description: 'A page of the members and, with include=past, of the history, with the cursors of the next pages',
        envelope: roomMembersResponse,
        example: {
          id: 1,
          member_count: 2,
          members: [{ id: 7, username: 'user_7', joined_at: SENT_AT }],
          history: [{ id: 7, username: 'user_7', event: 'joined', at: SENT_AT }],
          page: { limit: 1, next: 7, history_next: null },
        },
      },
    },
    errors: ['forbidden', 'not_found'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:BatchGetItem'], Resource: [chatTable] }],
} as const satisfies FunctionEntry;

// Messages. HTTP API refuses route keys ending in '/'; API Gateway and serverless-offline route the
// seed's '/chat/user/1/' to '/chat/user/{user_id}' (routeKey drops the slash).

export const sendDirect = {
  handler: 'functions/send-direct.handler',
  http: {
    method: 'POST', path: '/chat/user/{user_id}/', tag: 'messages', auth: 'token',
    summary: 'Send a direct message to user {user_id} (the pair’s room is created by the first one); answers a task id at once',
    description: SEND_DESCRIPTION,
    request: { path: directMessagePath, headers: sendMessageHeaders, body: sendMessageBodyOfEitherMode },
    example: sendExample,
    parameterExamples: { user_id: 8 },
    responses: { 200: sent },
    errors: ['forbidden', 'not_found', 'conflict', 'rate_limited', 'service_unavailable'],
  },
  iamRoleStatements: [
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], Resource: [chatTable] },
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [tasksTable] },
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [messageQueue] },
  ],
} as const satisfies FunctionEntry;

export const sendGroup = {
  handler: 'functions/send-group.handler',
  http: {
    method: 'POST', path: '/chat/group/{room_id}/', tag: 'messages', auth: 'token',
    summary: 'Send a message to a group room the sender is a member of; answers a task id at once',
    description: SEND_DESCRIPTION,
    request: { path: groupMessagePath, headers: sendMessageHeaders, body: sendMessageBodyOfEitherMode },
    example: sendExample,
    responses: { 200: sent },
    errors: ['direct_room', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'service_unavailable'],
  },
  iamRoleStatements: [
    // One BatchGetItem: the room, the sender and the membership.
    { Effect: 'Allow', Action: ['dynamodb:BatchGetItem'], Resource: [chatTable] },
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [tasksTable] },
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [messageQueue] },
  ],
} as const satisfies FunctionEntry;

export const taskState = {
  handler: 'functions/task-state.handler',
  http: {
    method: 'GET', path: '/chat/task_state/{task_id}', tag: 'messages', auth: 'token',
    summary: 'What became of a send: PENDING, RETRY (not stored yet after several attempts; can still succeed), SUCCESS (with the stored message) or FAILURE (with the reason)',
    description: 'Not enveloped, as in the seed. An unknown or expired id is 404 (Celery answers PENDING); in token mode a task is visible to its sender only.',
    request: { path: taskIdPath },
    responses: { 200: { description: 'The task’s state and result', json: taskStatusResponse, example: { state: 'SUCCESS', result: exampleMessage } } },
    errors: ['not_found'],
  },
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [tasksTable] }],
} as const satisfies FunctionEntry;

export const messageConsumer = {
  handler: 'functions/message-consumer.handler',
  // The queue's visibility timeout (60 s) must cover a whole batch; AWS advises ≥ 6 × the timeout
  // for SQS-triggered functions when throttled invocations retry.
  timeout: 10,
  events: [
    // No maximumBatchingWindow: Lambda does not support a batching window on FIFO queues.
    // batchSize 10 is the FIFO maximum: a busy room's messages are stored 10 per transaction.
    // maximumConcurrency: on a FIFO queue Lambda runs up to one batch per active message group (a
    // room); the cap keeps a thousand busy rooms from taking the account's whole concurrency (1,000
    // by default) away from the API functions. Both from infra/definitions.json (the local poller
    // reads them too); osls resolves the variables (numbers stay numbers).
    {
      sqs: {
        arn: messageQueue,
        batchSize: '${file(infra/definitions.json):messageConsumer.batchSize}',
        maximumConcurrency: '${file(infra/definitions.json):messageConsumer.maximumConcurrency}',
        functionResponseType: 'ReportBatchItemFailures',
      },
    },
  ],
  iamRoleStatements: [
    { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [chatTable] },
    { Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: [tasksTable] },
    // sqs:ReceiveMessage/DeleteMessage/GetQueueAttributes on MessageQueue (the event source, and the
    // redrive policy the consumer reads) are added by the per-function IAM plugin for the sqs event.
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [deadLetterQueue] },
  ],
} as const satisfies FunctionEntry;

// Reading. The literal 'unseen' route wins over '{room_id}' in both API Gateway and
// serverless-offline, and 'unseen' is no valid room id anyway.

export const messagesList = {
  handler: 'functions/messages-list.handler',
  http: {
    method: 'GET', path: '/chat/messages/{room_id}/', tag: 'messages', auth: 'token', actor: 'required',
    summary: "A room's messages, members only: the newest page (limit ≤ 100) or the page before/after a sequence; marks them seen",
    request: { path: roomMessagesPath, query: roomMessagesQuery },
    responses: {
      200: { description: 'The room, one page of its messages and the page cursors', envelope: roomMessagesResponse, example: exampleRoomMessages },
    },
    errors: ['forbidden', 'not_found'],
  },
  iamRoleStatements: [
    // BatchGetItem: user, META, ROSTER, membership, usernames; Query: the page and, with seen_by, the
    // memberships; GetItem + UpdateItem: the reader's watermark.
    { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [chatTable] },
  ],
} as const satisfies FunctionEntry;

export const messagesUnseen = {
  handler: 'functions/messages-unseen.handler',
  http: {
    method: 'GET', path: '/chat/messages/unseen/', tag: 'messages', auth: 'token', actor: 'required',
    summary: 'Per room, the messages the user has not seen and did not send, then marked seen; wait=N long-polls up to N seconds',
    request: { query: unseenQuery },
    responses: { 200: { description: 'Every room of the user, with its unseen messages (oldest first)', envelope: unseenRoomsResponse, example: [exampleUnseenRoom] } },
    errors: ['forbidden', 'not_found'],
  },
  iamRoleStatements: [
    { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [chatTableGsi1] },
    // BatchGetItem: the user, META, ROSTER and membership of each room, usernames; Query: the rooms
    // with news; GetItem + UpdateItem: the watermarks.
    { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [chatTable] },
  ],
} as const satisfies FunctionEntry;

// The API description (OpenAPI 3.1), generated from this table. Reads nothing.
export const openapi = {
  handler: 'functions/openapi.handler',
  http: {
    method: 'GET', path: '/openapi.json', tag: 'service', auth: PUBLIC_ROUTES.openapi.auth,
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI 3.1 document', json: openApiDocumentResponse, headers: { 'Cache-Control': 'always' } } },
  },
  iamRoleStatements: [],
} as const satisfies FunctionEntry;

// A liveness check that touches no data store (and the benchmark's empty-route floor). Reads nothing.
export const health = {
  handler: 'functions/health.handler',
  http: {
    method: 'GET', path: '/health', tag: 'service', auth: PUBLIC_ROUTES.health.auth,
    summary: 'Liveness: answers {"status": "ok"} and reads no data store',
    responses: { 200: { description: 'The function answers', json: healthResponse, example: { status: 'ok' }, headers: { 'Cache-Control': 'always' } } },
  },
  iamRoleStatements: [],
} as const satisfies FunctionEntry;

// The HTTP API's $default route: whatever no route above matches, an unknown path (404) or method
// (405 with Allow). Reads nothing; it gets the routes in API_ROUTES (serverlessFunctions below).
export const defaultRoute = {
  handler: 'functions/default-route.handler',
  events: [{ httpApi: '*' }],
  iamRoleStatements: [],
} as const satisfies FunctionEntry;

// Live delivery (docs/realtime.md): the WebSocket API's routes, one function each, and the fan-out
// fed by the chat table's stream. The WebSocket protocol is described in the OpenAPI document's
// description (lib/realtime/protocol.ts), not as operations.

export const wsConnect = {
  handler: 'functions/ws-connect.handler',
  events: [{ websocket: { route: '$connect' } }],
  environment: websocketEnvironment,
  iamRoleStatements: [
    // GetItem: the user and their connection list; PutItem: the connection and the list;
    // DeleteItem: evicted connections.
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [chatTable] },
    // Closing the oldest connection of a user who opens one more than the limit.
    { Effect: 'Allow', Action: ['execute-api:ManageConnections'], Resource: [closeConnections] },
  ],
} as const satisfies FunctionEntry;

export const wsDisconnect = {
  handler: 'functions/ws-disconnect.handler',
  events: [{ websocket: { route: '$disconnect' } }],
  iamRoleStatements: [{ Effect: 'Allow', Action: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'], Resource: [chatTable] }],
} as const satisfies FunctionEntry;

// Answers the client (route response) and reads nothing.
export const wsDefault = {
  handler: 'functions/ws-default.handler',
  events: [{ websocket: { route: '$default', routeResponseSelectionExpression: '$default' } }],
  iamRoleStatements: [],
} as const satisfies FunctionEntry;

// Answers the client (route response) and reads nothing.
export const wsPing = {
  handler: 'functions/ws-ping.handler',
  events: [{ websocket: { route: 'ping', routeResponseSelectionExpression: '$default' } }],
  iamRoleStatements: [],
} as const satisfies FunctionEntry;

export const wsTyping = {
  handler: 'functions/ws-typing.handler',
  events: [{ websocket: { route: 'typing', routeResponseSelectionExpression: '$default' } }],
  environment: websocketEnvironment,
  iamRoleStatements: [
    // GetItem: whose connection; Query: the member set; BatchGetItem: username and connection
    // lists; DeleteItem + UpdateItem: a connection that answered 410.
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], Resource: [chatTable] },
    { Effect: 'Allow', Action: ['execute-api:ManageConnections'], Resource: [postToConnections] },
  ],
} as const satisfies FunctionEntry;

export const realtimeFanout = {
  handler: 'functions/realtime-fanout.handler',
  timeout: 60,
  environment: websocketEnvironment,
  events: [
    // Only message inserts and membership changes reach the function (infra/definitions.json,
    // chatStream.FilterPatterns; the local stream poller applies the same patterns). One batch per
    // shard at a time: a room's records (one partition key) are handed over in order. The settings
    // are serverless.yml variables, resolved by osls: this table never reads the JSON file.
    {
      stream: {
        type: 'dynamodb',
        arn: chatTableStream,
        startingPosition: 'LATEST',
        batchSize: '${file(infra/definitions.json):chatStream.BatchSize}',
        parallelizationFactor: 1,
        maximumRetryAttempts: '${file(infra/definitions.json):chatStream.MaximumRetryAttempts}',
        maximumRecordAgeInSeconds: '${file(infra/definitions.json):chatStream.MaximumRecordAgeInSeconds}',
        bisectBatchOnFunctionError: true,
        functionResponseType: 'ReportBatchItemFailures',
        filterPatterns: '${file(infra/definitions.json):chatStream.FilterPatterns}',
      },
    },
  ],
  iamRoleStatements: [
    // Query: the member set; BatchGetItem: META, usernames, connection lists; DeleteItem +
    // UpdateItem: a connection that answered 410. Stream reads (GetRecords, GetShardIterator,
    // DescribeStream, ListStreams on the stream ARN) are added by the per-function IAM plugin.
    { Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], Resource: [chatTable] },
    { Effect: 'Allow', Action: ['execute-api:ManageConnections'], Resource: [postToConnections] },
  ],
} as const satisfies FunctionEntry;

/** Every function, by its serverless name. */
export const functions = {
  usersList,
  usersCreate,
  userGet,
  userReplace,
  userPatch,
  userDelete,
  authToken,
  chatroomList,
  chatroomCreate,
  chatroomGet,
  chatroomJoin,
  chatroomLeave,
  chatroomMembers,
  sendDirect,
  sendGroup,
  taskState,
  messageConsumer,
  messagesList,
  messagesUnseen,
  openapi,
  health,
  defaultRoute,
  wsConnect,
  wsDisconnect,
  wsDefault,
  wsPing,
  wsTyping,
  realtimeFanout,
} satisfies Record<string, FunctionEntry>;

export type FunctionName = keyof typeof functions;

/** Every entry, typed as the general shape (the table itself keeps its literal types). */
export const functionEntries = (): [FunctionName, FunctionEntry][] => Object.entries(functions) as [FunctionName, FunctionEntry][];

/** The endpoints: the entries with an HTTP contract, with their function name. */
export const endpoints = (): (HttpContract & { name: FunctionName; handler: FunctionEntry['handler'] })[] =>
  functionEntries().flatMap(([name, entry]) => (entry.http ? [{ ...entry.http, name, handler: entry.handler }] : []));

/** The HTTP API route key of a contract: no trailing slash (HTTP API refuses it, and routes '/x/' to '/x'). */
export const routeKey = ({ method, path }: { method: string; path: string }) =>
  `${method} ${path.length > 1 ? path.replace(/\/$/, '') : path}`;

/** `Idempotency-Key` for `idempotency-key`: header schemas key on the lower-case names Lambda gets. */
export const headerName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

/** The source file of a handler: `functions/users-list.handler` → `functions/users-list.ts`. */
export const handlerFile = (handler: FunctionEntry['handler']) => handler.replace(/\.handler$/, '.ts');

/** The API's routes as the $default function reads them: `GET /users/,POST /users/,…` (documented paths). */
export const apiRoutes = () => endpoints().map(({ method, path }) => `${method} ${path}`).join(',');

const isDefaultRoute = (events: readonly ServerlessEvent[]) => events.some((event) => event.httpApi === '*');

/**
 * serverless.yml's `functions`: each entry with its HTTP route as `httpApi` events, a GET's also
 * for HEAD (API Gateway routes HEAD only where a route says so; serverless-offline skips these, as
 * hapi answers HEAD with the GET route), and the $default function with the routes it tells apart.
 */
export function serverlessFunctions(): Record<string, unknown> {
  return Object.fromEntries(
    functionEntries().map(([name, { http, events = [], ...rest }]) => {
      const routes = http ? [routeKey(http), ...(http.method === 'GET' ? [routeKey({ ...http, method: 'HEAD' })] : [])] : [];
      return [
        name,
        {
          ...rest,
          ...(isDefaultRoute(events) ? { environment: { ...rest.environment, API_ROUTES: apiRoutes() } } : {}),
          events: [...routes.map((route) => ({ httpApi: route })), ...events],
        },
      ];
    }),
  );
}

/**
 * provider.httpApi.cors: browsers may send the request headers the endpoints read, and read the
 * response headers the API documents (Cache-Control and Content-Type are safelisted anyway).
 */
export function httpApiCors() {
  const requestHeaders = new Set(['Content-Type', 'Authorization']);
  for (const endpoint of endpoints()) {
    for (const name of Object.keys(endpoint.request?.headers?.def.shape ?? {})) requestHeaders.add(headerName(name));
    if (endpoint.responses[304]) requestHeaders.add('If-None-Match');
  }
  const methods = new Set(['OPTIONS', 'HEAD', ...endpoints().map((endpoint) => endpoint.method)]);
  return {
    allowedOrigins: ['*'],
    allowedHeaders: [...requestHeaders].sort(),
    allowedMethods: [...methods].sort(),
    exposedResponseHeaders: (Object.keys(HEADERS) as HeaderName[]).filter((name) => name !== 'Cache-Control').sort(),
    maxAge: 600,
  };
}
