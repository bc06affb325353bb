import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/local-stack.ts';
import type { StreamPoller } from '../../local/stream-poller.ts';
import { eventually, handshakeStatus, TestSocket } from './sockets.ts';

/**
 * A local stack of its own, in token mode (the shared one runs query mode) and WITHOUT the stack's
 * stream poller: this file reads the chat stream with a poller of its own and runs the fan-out
 * in this process, so it can count what one fan-out costs — DynamoDB requests and posts — while
 * the frames still go to real sockets through serverless-offline's management endpoint.
 */
let stack: LocalStack;
let lib: {
  fanOut: typeof import('../../lib/realtime/fanout.ts').fanOut;
  usage: typeof import('../../lib/repository/client.ts');
  management: typeof import('../../lib/realtime/management.ts');
  connections: typeof import('../../lib/repository/connections.ts');
  sendGroupMessage: typeof import('../../lib/messages/service.ts').sendGroupMessage;
  getRoom: typeof import('../../lib/repository/rooms.ts').getRoom;
  streamPoller: typeof import('../../local/stream-poller.ts');
};

beforeAll(async () => {
  stack = await startLocalStack({ stage: 'local', offline: true, authMode: 'token', streamPoller: false, log: () => {} });
  // lib reads its configuration once, at import: this file's modules talk to this stack.
  Object.assign(process.env, stack.env);
  lib = {
    fanOut: (await import('../../lib/realtime/fanout.ts')).fanOut,
    usage: await import('../../lib/repository/client.ts'),
    management: await import('../../lib/realtime/management.ts'),
    connections: await import('../../lib/repository/connections.ts'),
    sendGroupMessage: (await import('../../lib/messages/service.ts')).sendGroupMessage,
    getRoom: (await import('../../lib/repository/rooms.ts')).getRoom,
    streamPoller: await import('../../local/stream-poller.ts'),
  };
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function api(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(new URL(path, stack.httpUrl), {
    method,
    headers: { ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function signUpAndLogIn(): Promise<{ id: number; username: string; token: string }> {
  const username = `ws_${crypto.randomUUID().slice(0, 8)}`;
  const created = await api('POST', '/users/', { body: { username, password: 'Correct-Horse-1' } });
  expect(created.status).toBe(201);
  const login = await api('POST', '/auth/token/', { body: { username, password: 'Correct-Horse-1' } });
  expect(login.status).toBe(200);
  return { id: created.body.id, username, token: login.body.access_token };
}

describe('token mode at $connect (AUTH_MODE=token)', () => {
  it('refuses no token, a bad token and another user’s user_id; accepts the token’s own user', async () => {
    const [alice, bob] = [await signUpAndLogIn(), await signUpAndLogIn()];
    const ws = stack.websocketUrl!;
    expect(await handshakeStatus(`${ws}/`)).toBe(401);
    expect(await handshakeStatus(`${ws}/?user_id=${alice.id}`)).toBe(401); // query mode's way is no credential here
    expect(await handshakeStatus(`${ws}/?token=${alice.token}x`)).toBe(401);
    expect(await handshakeStatus(`${ws}/?token=${alice.token}&user_id=${bob.id}`)).toBe(403);
    expect(await handshakeStatus(`${ws}/?token=${alice.token}`)).toBe(101);
    expect(await handshakeStatus(`${ws}/?token=${alice.token}&user_id=${alice.id}`)).toBe(101);
    await expect(TestSocket.open(`${ws}/?token=${bob.token}&user_id=${alice.id}`)).rejects.toThrow(/refused/);
    const socket = await TestSocket.open(`${ws}/?token=${bob.token}`);
    await socket.close();
  });
});

describe('what a fan-out costs', () => {
  it('one Query of the member set and one BatchGetItem per room and batch, whatever the number of messages; one post per frame and connection; a gone connection costs its two deletes once', { timeout: 120_000 }, async () => {
    const [alice, bob] = [await signUpAndLogIn(), await signUpAndLogIn()];
    const room = await api('POST', `/chat/chatroom/?user_id=${alice.id}`, { token: alice.token, body: { room_name: `cost_${crypto.randomUUID().slice(0, 8)}`, room_member: [{ username: bob.username }] } });
    expect(room.status).toBe(200);
    const roomId: number = room.body.data.id;
    const ws = stack.websocketUrl!;
    const sockets = await Promise.all([alice.token, bob.token, bob.token].map((token) => TestSocket.open(`${ws}/?token=${token}`)));
    const stale = `stale-${crypto.randomUUID()}`;
    await lib.connections.registerConnection({ connectionId: stale, userId: bob.id, connectedAt: Date.now() - 60_000 });

    // The fan-out of this room's records, in this process, counted batch by batch; held back
    // until every message is stored, so the stream has them all at once.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: { messages: number; requests: Record<string, number>; posts: number; gone: number }[] = [];
    const deliver = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      await gate;
      const records = event.Records.filter((record) => record.dynamodb?.Keys?.PK?.S === `ROOM#${roomId}`);
      lib.usage.resetDynamoUsage();
      lib.management.resetManagementUsage();
      const answer = await lib.fanOut(records);
      const { byCommand } = lib.usage.dynamoUsage();
      const { posts, gone } = lib.management.managementUsage();
      batches.push({ messages: records.filter((r) => r.dynamodb?.Keys?.SK?.S?.startsWith('MSG#')).length, requests: byCommand, posts, gone });
      return answer;
    };
    const poller: StreamPoller = lib.streamPoller.startStreamPoller({ dynamodbEndpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB!, tableName: stack.env.CHAT_TABLE!, deliver, log: () => {} });
    await poller.ready;
    try {
      const COUNT = 40;
      for (let i = 0; i < COUNT; i++) await lib.sendGroupMessage(roomId, { from: alice.id, text: `m${i}` });
      await eventually(async () => (await lib.getRoom(roomId))?.lastSequence === COUNT, 'all messages stored', 300);
      release();
      for (const socket of sockets) await socket.until(() => socket.ofType('message', roomId).length === COUNT, 'every message');
      for (const socket of sockets) expect(socket.ofType('message', roomId).map((f) => f.sequence)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));

      const withMessages = batches.filter((batch) => batch.messages > 0);
      const counted = () => withMessages.reduce((n, batch) => n + batch.messages, 0);
      // The frames arrive while their fan-out still runs; its tally is taken when it returns.
      await eventually(async () => (withMessages.splice(0, withMessages.length, ...batches.filter((b) => b.messages > 0)), counted() === COUNT), 'every batch counted');
      // Held back, most of the burst reached the fan-out as one batch.
      expect(Math.max(...withMessages.map((batch) => batch.messages))).toBeGreaterThanOrEqual(COUNT / 2);
      withMessages.forEach((batch, index) => {
        const cleanup = index === 0 ? { DeleteItemCommand: 1, UpdateItemCommand: 1 } : {};
        expect(batch.requests).toEqual({ QueryCommand: 1, BatchGetItemCommand: 1, ...cleanup });
        expect(batch.posts).toBe(batch.messages * 3 + (index === 0 ? 1 : 0));
        expect(batch.gone).toBe(index === 0 ? 1 : 0);
      });
      expect(await lib.connections.connectionOwner(stale)).toBeUndefined();
    } finally {
      release();
      await poller.stop();
      await Promise.all(sockets.map((socket) => socket.close()));
    }
  });
});
