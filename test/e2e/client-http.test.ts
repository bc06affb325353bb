import { describe, expect, it } from 'vitest';
import { createChatClient } from '../../client/index.ts';
import { chatFlow } from '../../client/example.ts';
import { checkedFetch } from '../support/http.ts';

/**
 * The typed client (client/, generated from the OpenAPI document) against serverless-offline, in
 * query mode (npm start's): every answer it receives is checked against the document too.
 */
const client = createChatClient({ baseUrl: process.env.CHAT_HTTP_URL, fetch: checkedFetch });

describe('the typed client over HTTP', () => {
  it('runs the example flow: create a room, send with an Idempotency-Key (replayed), wait for the task, page the history', async () => {
    const { data: users } = await client.GET('/users/', { params: { query: { username: 'user_3' } } });
    const me = users?.[0];
    expect(me?.username).toBe('user_3');
    const flow = await chatFlow(client, { userId: me!.id, member: 'user_4', texts: ['first', 'second', 'third', 'fourth', 'fifth'] });
    expect(flow.replayed).toBe(true);
    expect(flow.stored).toMatchObject({ room: { id: flow.roomId }, msg_from: { id: me!.id, username: 'user_3' }, text: 'first', sequence: 1 });
    // Five messages read two per page from the newest: pages [4, 5], [2, 3], [1].
    expect(flow.history).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
  });

  it('gives a problem as a typed error, and nothing as data', async () => {
    const answer = await client.GET('/chat/chatroom/{id}/', { params: { path: { id: 987_654_321 } } });
    expect(answer.response.status).toBe(404);
    expect(answer.data).toBeUndefined();
    expect(answer.error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('sends integers as the document types them, and the server checks the same bounds', async () => {
    const answer = await client.GET('/chat/messages/{room_id}/', { params: { path: { room_id: 1 }, query: { user_id: 1, limit: 101 } } });
    expect(answer.response.status).toBe(400);
    expect(answer.error?.errors).toHaveProperty('limit');
  });
});
