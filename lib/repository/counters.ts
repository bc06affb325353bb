import { UpdateCommand } from '../aws/dynamodb.ts';
import { ddb, tables } from './client.ts';
import { keys } from './keys.ts';

/** Integer ids from an atomic counter item: one UpdateItem, no read-modify-write race. */
export async function nextId(counter: 'USER' | 'ROOM'): Promise<number> {
  const { Attributes } = await ddb.send(
    new UpdateCommand({
      TableName: tables.chat,
      Key: keys.counter(counter),
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes?.value);
}
