import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/chatroom-create.ts';
import { handler as getHandler } from '../../functions/chatroom-get.ts';
import { handler as joinHandler } from '../../functions/chatroom-join.ts';
import { handler as leaveHandler } from '../../functions/chatroom-leave.ts';
import { handler as listHandler } from '../../functions/chatroom-list.ts';
import { handler as membersHandler } from '../../functions/chatroom-members.ts';
import { dynamoUsage, resetDynamoUsage, type DynamoUsage } from '../../lib/repository/client.ts';
import { findOrCreateDirectRoom } from '../../lib/rooms/service.ts';
import { invoke, uniqueName, type HttpCall } from '../support/lambda.ts';
import { newUsers } from './fixtures.ts';

type Handler = Parameters<typeof invoke>[0];

/** Runs one call and returns the DynamoDB requests it made (this file's tests run one at a time). */
async function measure(handler: Handler, call: HttpCall, status: number): Promise<DynamoUsage> {
  resetDynamoUsage();
  const answer = await invoke(handler, call);
  expect(answer.status).toBe(status);
  return dynamoUsage();
}

const roomPath = (id: number) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });

describe('DynamoDB requests per rooms endpoint (bounded, independent of how many rooms and users exist)', () => {
  it('measures each endpoint', async () => {
    const users = await newUsers(5, 'usage');
    const [a, b, c, d, e] = users as [typeof users[0], typeof users[0], typeof users[0], typeof users[0], typeof users[0]];
    await findOrCreateDirectRoom(a, b);
    const usage: Record<string, DynamoUsage> = {};

    const body = { room_name: uniqueName('usage'), room_member: [b, c].map(({ username }) => ({ username })) };
    usage['POST /chat/chatroom/ (2 listed + creator)'] = await measure(createHandler, { method: 'POST', path: '/chat/chatroom/', body, query: { user_id: String(a.id) } }, 200);
    const roomId = (await invoke(listHandler, { path: '/chat/chatroom/', query: { user_id: String(c.id) } })).body.data[0].id as number;
    const second = await invoke(createHandler, { method: 'POST', path: '/chat/chatroom/', body: { room_name: uniqueName('usage') }, query: { user_id: String(a.id) } });
    expect(second.status).toBe(200);

    usage['GET /chat/chatroom/ (anonymous)'] = await measure(listHandler, { path: '/chat/chatroom/' }, 200);
    usage['GET /chat/chatroom/?user_id (3 rooms)'] = await measure(listHandler, { path: '/chat/chatroom/', query: { user_id: String(a.id) } }, 200);
    usage['GET /chat/chatroom/?user_id (no rooms)'] = await measure(listHandler, { path: '/chat/chatroom/', query: { user_id: String(e.id) } }, 200);
    usage['GET /chat/chatroom/:id/ (anonymous)'] = await measure(getHandler, { ...roomPath(roomId) }, 200);
    usage['GET /chat/chatroom/:id/?user_id'] = await measure(getHandler, { ...roomPath(roomId), query: { user_id: String(b.id) } }, 200);
    usage['PUT /chat/chatroom/:id/ (join)'] = await measure(joinHandler, { method: 'PUT', ...roomPath(roomId), query: { user_id: String(d.id) } }, 200);
    usage['PUT /chat/chatroom/:id/ (already a member)'] = await measure(joinHandler, { method: 'PUT', ...roomPath(roomId), query: { user_id: String(d.id) } }, 400);
    usage['DELETE /chat/chatroom/:id/ (leave)'] = await measure(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: { user_id: String(d.id) } }, 204);
    const members = { path: `/chat/chatroom/${roomId}/members/`, pathParameters: { id: String(roomId) } };
    usage['GET /chat/chatroom/:id/members/'] = await measure(membersHandler, { ...members, query: { user_id: String(a.id) } }, 200);
    usage['GET /chat/chatroom/:id/members/?include=past'] = await measure(membersHandler, { ...members, query: { user_id: String(a.id), include: 'past' } }, 200);
    for (const user of [b, c]) await invoke(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: { user_id: String(user.id) } });
    usage['DELETE /chat/chatroom/:id/ (last member: deletes the room)'] = await measure(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: { user_id: String(a.id) } }, 204);

    const counts = Object.fromEntries(Object.entries(usage).map(([endpoint, u]) => [endpoint, u.byCommand]));
    expect(counts).toEqual({
      'POST /chat/chatroom/ (2 listed + creator)': { BatchGetItemCommand: 1, UpdateItemCommand: 1, TransactWriteItemsCommand: 1 },
      'GET /chat/chatroom/ (anonymous)': { QueryCommand: 1 },
      'GET /chat/chatroom/?user_id (3 rooms)': { QueryCommand: 1, BatchGetItemCommand: 2 },
      'GET /chat/chatroom/?user_id (no rooms)': { QueryCommand: 1, BatchGetItemCommand: 1 },
      'GET /chat/chatroom/:id/ (anonymous)': { GetItemCommand: 1 },
      'GET /chat/chatroom/:id/?user_id': { BatchGetItemCommand: 2 },
      'PUT /chat/chatroom/:id/ (join)': { BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
      'PUT /chat/chatroom/:id/ (already a member)': { BatchGetItemCommand: 1 },
      'DELETE /chat/chatroom/:id/ (leave)': { BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
      'GET /chat/chatroom/:id/members/': { QueryCommand: 1, BatchGetItemCommand: 1 },
      // A page of members and a page of history: two bounded Queries, in parallel.
      'GET /chat/chatroom/:id/members/?include=past': { QueryCommand: 2, BatchGetItemCommand: 1 },
      'DELETE /chat/chatroom/:id/ (last member: deletes the room)': { BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
    });
    if (process.env.PRINT_DYNAMO_USAGE) {
      console.table(Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, { requests: u.requests, RCU: u.readCapacity, WCU: u.writeCapacity }])));
    }
  });
});
