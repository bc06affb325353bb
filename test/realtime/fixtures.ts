import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import { expect } from 'vitest';
import { sendGroupMessage } from '../../lib/messages/service.ts';
import type { ReadMessage } from '../../lib/reading/model.ts';
import type { HistoryPage } from '../../lib/realtime/resume.ts';
import { http } from '../support/http.ts';
import { TestSocket } from './sockets.ts';

export interface TestUser {
  id: number;
  username: string;
}

/** A user of its own, signed up over HTTP as a client would. */
export async function signUp(prefix = 'live'): Promise<TestUser> {
  const username = `${prefix}_${randomUUID().slice(0, 8)}`;
  const answer = await http('POST', '/users/', { body: { username, password: 'Passw0rd!', profile: { status: 'Online' } } });
  expect(answer.status).toBe(201);
  return { id: answer.body.id, username };
}

/** A group room created by `owner` with `members`, over HTTP. */
export async function groupRoom(owner: TestUser, members: TestUser[]): Promise<number> {
  const answer = await http('POST', `/chat/chatroom/?user_id=${owner.id}`, {
    body: { room_name: `live_${randomUUID().slice(0, 8)}`, room_member: members.map(({ username }) => ({ username })) },
  });
  expect(answer.status).toBe(200);
  return answer.body.data.id;
}

/** A socket of `user` on the shared stack's WebSocket API (query mode). */
export function connect(user: TestUser): Promise<TestSocket> {
  const base = process.env.CHAT_WS_URL;
  if (!base) throw new Error('CHAT_WS_URL is not set: the integration global setup did not start serverless-offline');
  return TestSocket.open(`${base}/?user_id=${user.id}`);
}

/**
 * `count` messages from `sender` into the room, through the real send path (task, FIFO queue,
 * consumer) without the HTTP rate limit, `concurrency` at a time. Returns their texts.
 */
export async function burst(roomId: number, sender: TestUser, count: number, concurrency = 4): Promise<string[]> {
  const texts = Array.from({ length: count }, (_, i) => `burst ${i} ${randomUUID().slice(0, 6)}`);
  await pMap(texts, (text) => sendGroupMessage(roomId, { from: sender.id, text }), { concurrency });
  return texts;
}

/** One page of the history API after `after` (limit 100), as the resume algorithm reads it. */
export async function historyAfter(roomId: number, reader: TestUser, after: number): Promise<HistoryPage<ReadMessage>> {
  const answer = await http('GET', `/chat/messages/${roomId}/?user_id=${reader.id}&after=${after}&limit=100`);
  expect(answer.status).toBe(200);
  return { messages: answer.body.data.messages, hasMoreAfter: answer.body.data.page.has_more_after };
}

export const sequences = (socket: TestSocket, roomId: number) => socket.ofType('message', roomId).map((frame) => frame.sequence);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
