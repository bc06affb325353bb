import { afterEach, describe, expect, it } from 'vitest';
import { handler as typing } from '../../functions/ws-typing.ts';
import { messageFrame, type MessageFrame } from '../../lib/realtime/frames.ts';
import { managementUsage, resetManagementUsage } from '../../lib/realtime/management.ts';
import { RoomFeed } from '../../lib/realtime/resume.ts';
import type { ReadMessage } from '../../lib/reading/model.ts';
import { connectionOwner, registerConnection } from '../../lib/repository/connections.ts';
import { GetCommand } from '../../lib/aws/dynamodb.ts';
import { ddb, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { lambdaContext } from '../support/lambda.ts';
import { http } from '../support/http.ts';
import { burst, connect, groupRoom, historyAfter, range, sequences, signUp } from './fixtures.ts';
import { eventually, handshakeStatus, TestSocket } from './sockets.ts';

/**
 * Live delivery on the shared local stack: real sends through the queue and the consumer, the
 * chat table's stream read by the local stream poller, the fan-out function running in
 * serverless-offline, frames received by sockets opened with Node's WebSocket.
 */
const open: TestSocket[] = [];
const track = async (socket: Promise<TestSocket>) => {
  const s = await socket;
  open.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('live delivery over the WebSocket API', () => {
  it('query mode: $connect validates ?user_id= as the REST API does and refuses the connection otherwise', async () => {
    const alice = await signUp();
    const ws = process.env.CHAT_WS_URL!;
    expect(await handshakeStatus(`${ws}/`)).toBe(400);
    expect(await handshakeStatus(`${ws}/?user_id=07`)).toBe(400);
    expect(await handshakeStatus(`${ws}/?user_id=abc`)).toBe(400);
    expect(await handshakeStatus(`${ws}/?user_id=900719925474099`)).toBe(404);
    expect(await handshakeStatus(`${ws}/?user_id=${alice.id}`)).toBe(101);
  });

  it('gives each member connection every message of a 200-message burst exactly once, in order; a non-member nothing', { timeout: 120_000 }, async () => {
    const [alice, bob, carol] = [await signUp(), await signUp(), await signUp()];
    const roomId = await groupRoom(alice, [bob]);
    const [a, b1, b2, c] = await Promise.all([track(connect(alice)), track(connect(bob)), track(connect(bob)), track(connect(carol))]);

    await burst(roomId, alice, 200);
    for (const [socket, who] of [[a, 'alice'], [b1, 'bob'], [b2, 'bob’s second connection']] as const) {
      await socket.until(() => sequences(socket, roomId).length >= 200, `200 message frames on ${who}`);
    }
    for (const socket of [a, b1, b2]) expect(sequences(socket, roomId)).toEqual(range(1, 200));
    // The second connection of the same user got the very same frames.
    expect(b2.ofType('message', roomId)).toEqual(b1.ofType('message', roomId));
    // Every frame's message is exactly what the history API answers for it.
    const history = [...(await historyAfter(roomId, bob, 0)).messages, ...(await historyAfter(roomId, bob, 100)).messages];
    expect(b1.ofType('message', roomId)).toEqual(history.map((message) => messageFrame(message)));
    // The non-member saw nothing of the room, not even its membership.
    expect(c.frames.filter((f) => 'room_id' in f && f.room_id === roomId)).toEqual([]);
  });

  it('deletes a connection that is gone behind the table’s back on the next fan-out; the others still receive', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const roomId = await groupRoom(alice, [bob]);
    const [a, b] = await Promise.all([track(connect(alice)), track(connect(bob))]);
    // A connection API Gateway forgot without $disconnect (AWS delivers it on a best-effort basis).
    const stale = `stale-${crypto.randomUUID()}`;
    await registerConnection({ connectionId: stale, userId: bob.id, connectedAt: Date.now() - 60_000 });

    await burst(roomId, alice, 1);
    await a.until(() => sequences(a, roomId).length === 1, 'the message on alice');
    await b.until(() => sequences(b, roomId).length === 1, 'the message on bob');
    await eventually(async () => (await connectionOwner(stale)) === undefined, 'the stale connection is deleted');
    const { Item } = await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.connectionsOfUser(bob.id), ConsistentRead: true }));
    expect(Object.keys(Item?.connections ?? {})).toHaveLength(1); // bob's live socket, nothing else
    expect(Item?.connections).not.toHaveProperty(stale);
  });

  it('a client that disconnects during a burst and resumes with after= gets every message exactly once, none missing', { timeout: 120_000 }, async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const roomId = await groupRoom(alice, [bob]);
    const a = await track(connect(alice));
    const delivered: number[] = [];
    const feed = new RoomFeed<ReadMessage>({ last: 0, fetchAfter: (after) => historyAfter(roomId, bob, after), deliver: (m) => delivered.push(m.sequence) });
    const follow = (socket: TestSocket) => {
      const seen = new Set<MessageFrame>();
      return () => {
        for (const frame of socket.ofType('message', roomId)) if (!seen.has(frame)) (seen.add(frame), void feed.onFrame(frame.message));
      };
    };

    let b = await connect(bob);
    let pump = follow(b);
    const sending = burst(roomId, alice, 120, 2);
    await b.until(() => (pump(), sequences(b, roomId).length >= 10), 'bob’s first frames');
    await b.close();
    // Messages go on while bob is away.
    const away = sequences(a, roomId).length;
    await a.until(() => sequences(a, roomId).length >= away + 30, '30 messages while bob is away');

    b = await track(connect(bob));
    pump = follow(b);
    await feed.resume();
    await sending;
    await a.until(() => sequences(a, roomId).length === 120, 'all 120 on alice');
    await b.until(() => (pump(), feed.last === 120), 'bob caught up to 120');
    await b.until(() => (pump(), sequences(b, roomId).at(-1) === 120), 'bob’s last live frame');
    pump();
    expect(delivered).toEqual(range(1, 120));
    // The resume really used the history: frames alone had a gap.
    const live = new Set(b.ofType('message', roomId).map((f) => f.sequence));
    expect(range(1, 120).filter((s) => !live.has(s)).length).toBeGreaterThan(0);
  });

  it('tells members who joins and leaves, relays typing to the others, sends read receipts and answers ping', async () => {
    const [alice, bob, carol] = [await signUp(), await signUp(), await signUp()];
    // Alice and Bob are connected when the room is created: its two joins reach both of them. Once
    // they have, carol connects: a fan-out's audience is the room's members when it runs, so had
    // carol joined while the creation's stream records were still waiting, she would get them too.
    const [a, b] = await Promise.all([track(connect(alice)), track(connect(bob))]);
    const roomId = await groupRoom(alice, [bob]);
    for (const s of [a, b]) await s.until(() => s.ofType('member_joined', roomId).length === 2, 'the creation’s joins');
    const c = await track(connect(carol));

    expect((await http('PUT', `/chat/chatroom/${roomId}/?user_id=${carol.id}`)).status).toBe(200);
    const joined = { type: 'member_joined', room_id: roomId, user: { id: carol.id, username: carol.username } };
    const carolJoined = (s: TestSocket) => s.ofType('member_joined', roomId).filter((f) => f.user.id === carol.id);
    for (const s of [a, b, c]) await s.until(() => carolJoined(s).length === 1, 'member_joined');
    for (const s of [a, b, c]) expect(carolJoined(s)).toEqual([joined]);
    expect(c.ofType('member_joined', roomId)).toEqual([joined]);

    await burst(roomId, alice, 2);
    await b.until(() => sequences(b, roomId).length === 2, 'two messages on bob');
    expect((await http('GET', `/chat/messages/${roomId}/?user_id=${bob.id}`)).status).toBe(200);
    await a.until(() => a.ofType('read', roomId).length === 1, 'bob’s read receipt');
    expect(a.ofType('read', roomId)).toEqual([{ type: 'read', room_id: roomId, user: { id: bob.id, username: bob.username }, last_seen_sequence: 2 }]);
    // Alice's own sends do not move her watermark (the room's recent senders say they are hers): no read frame for her.
    expect(b.ofType('read', roomId).filter((f) => f.user.id === alice.id)).toEqual([]);

    a.send({ action: 'typing', room_id: roomId });
    const typed = { type: 'typing', room_id: roomId, user: { id: alice.id, username: alice.username } };
    for (const s of [b, c]) await s.until(() => s.ofType('typing', roomId).length === 1, 'typing');
    for (const s of [b, c]) expect(s.ofType('typing', roomId)).toEqual([typed]);

    a.send({ action: 'ping' });
    await a.until(() => a.ofType('pong').length === 1, 'pong');
    a.send('not json');
    await a.until(() => a.ofType('error').length === 1, 'an error frame');
    expect(a.ofType('error')[0]).toMatchObject({ code: 'unknown_action' });
    expect(a.ofType('typing', roomId)).toEqual([]); // typing goes to the OTHER members only

    expect((await http('DELETE', `/chat/chatroom/${roomId}/?user_id=${carol.id}`)).status).toBe(204);
    const leftFrame = { type: 'member_left', room_id: roomId, user: { id: carol.id, username: carol.username } };
    for (const s of [a, b, c]) await s.until(() => s.ofType('member_left', roomId).length === 1, 'member_left');
    for (const s of [a, b, c]) expect(s.ofType('member_left', roomId)).toEqual([leftFrame]);
    // Carol is out: she no longer gets the room's messages, nor may she type in it.
    await burst(roomId, bob, 1);
    await a.until(() => sequences(a, roomId).length === 3, 'the third message');
    expect(sequences(c, roomId)).toEqual([1, 2]);
    c.send({ action: 'typing', room_id: roomId });
    await c.until(() => c.ofType('error').length === 1, 'carol’s typing refused');
    expect(c.ofType('error')[0]).toMatchObject({ code: 'forbidden' });
  });

  it('throttles typing per user and room: the second frame within the interval posts nothing', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const roomId = await groupRoom(alice, [bob]);
    const [, b1] = await Promise.all([track(connect(bob)), track(connect(bob))]);
    // Alice's connection id, as the typing route gets it: register one for her in the table.
    const aliceConnection = `test-${crypto.randomUUID()}`;
    await registerConnection({ connectionId: aliceConnection, userId: alice.id, connectedAt: Date.now() });
    const typed = async () => {
      resetManagementUsage();
      const event = { requestContext: { connectionId: aliceConnection, routeKey: 'typing' }, body: JSON.stringify({ action: 'typing', room_id: roomId }) };
      const answer = await typing(event as never, lambdaContext());
      expect(answer).toEqual({ statusCode: 200 });
      return managementUsage().posts;
    };
    expect(await typed()).toBe(2); // both of bob's connections
    expect(await typed()).toBe(0);
    expect(await typed()).toBe(0);
    await b1.until(() => b1.ofType('typing', roomId).length === 1, 'one typing frame');
  });
});
