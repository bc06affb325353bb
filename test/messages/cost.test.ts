import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as consumer } from '../../functions/message-consumer.ts';
import { handler as sendDirect } from '../../functions/send-direct.ts';
import { handler as sendGroup } from '../../functions/send-group.ts';
import { handler as taskState } from '../../functions/task-state.ts';
import { dynamoUsage, resetDynamoUsage, type DynamoUsage } from '../../lib/repository/client.ts';
import { invoke } from '../support/lambda.ts';
import { newRoom, pendingMessage, sqsRecord, twoUsers } from './fixtures.ts';

/**
 * DynamoDB requests and consumed capacity per message, end to end. The budget is ≤ 10 write units
 * for an ordinary message: the API's task Put, the consumer's STARTED update and one 4-item
 * transaction (which AWS bills at 2 units per item; DynamoDB Local reports 1).
 */
const TEXT = 'hello there, an ordinary chat message';

async function measured(run: () => Promise<unknown>): Promise<DynamoUsage> {
  resetDynamoUsage();
  await run();
  return dynamoUsage();
}

describe('DynamoDB cost per message', () => {
  it('group send: 3 key reads and 1 write in the API; 3 requests in the consumer; ≤ 10 write units in all', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const api = await measured(() => invoke(sendGroup, { method: 'POST', path: '/x', pathParameters: { room_id: String(room.id) }, body: { from: alice.id, text: TEXT } }));
    expect(api.byCommand).toEqual({ GetItemCommand: 3, PutItemCommand: 1 });
    expect(api.writeCapacity).toBe(1);

    const queued = await pendingMessage(room.id, alice.id, TEXT);
    const persist = await measured(() => consumer({ Records: [sqsRecord(queued)] } as SQSEvent));
    expect(persist.byCommand).toEqual({ UpdateItemCommand: 1, BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
    // Transactional writes cost 2 units per item on AWS: at most twice what DynamoDB Local reports.
    const transactionItems = 4;
    expect(api.writeCapacity + 1 + 2 * transactionItems).toBeLessThanOrEqual(10);
    expect(persist.writeCapacity).toBe(1 + transactionItems);
  });

  it('direct send to an existing pair: 4 reads and 1 write', async () => {
    const [alice, bob] = await twoUsers();
    const send = () => invoke(sendDirect, { method: 'POST', path: '/x', pathParameters: { user_id: String(bob.id) }, body: { from: alice.id, text: TEXT } });
    const first = await measured(send);
    expect(first.byCommand).toMatchObject({ UpdateItemCommand: 1, TransactWriteItemsCommand: 1, PutItemCommand: 1 });
    const next = await measured(send);
    expect(next.byCommand).toEqual({ GetItemCommand: 3, BatchGetItemCommand: 1, PutItemCommand: 1 });
    expect(next.writeCapacity).toBe(1);
  });

  it('an Idempotency-Key adds one conditional Put; task_state is one strongly consistent GetItem', async () => {
    const [alice] = await twoUsers();
    const room = await newRoom([alice]);
    let taskId = '';
    const keyed = await measured(async () => {
      const answer = await invoke(sendGroup, {
        method: 'POST',
        path: '/x',
        pathParameters: { room_id: String(room.id) },
        body: { from: alice.id, text: TEXT },
        headers: { 'Idempotency-Key': `cost-${room.id}` },
      });
      taskId = answer.body.data;
    });
    expect(keyed.byCommand).toEqual({ GetItemCommand: 3, PutItemCommand: 2 });
    const read = await measured(() => invoke(taskState, { path: '/x', pathParameters: { task_id: taskId } }));
    expect(read).toEqual({ requests: 1, byCommand: { GetItemCommand: 1 }, readCapacity: 1, writeCapacity: 0 });
  });
});
