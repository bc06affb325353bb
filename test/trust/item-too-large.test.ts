import { PutCommand, TransactWriteCommand } from '../../lib/aws/dynamodb.ts';
import { describe, expect, it } from 'vitest';
import { serviceFailure } from '../../lib/errors.ts';
import { ddb, tables } from '../../lib/repository/client.ts';
import { uniqueName } from '../support/lambda.ts';

/** DynamoDB's own refusal of an item over 400 KB, as the error middleware classifies it: 413, not 500. */
describe('an item over DynamoDB’s size limit', () => {
  const oversized = () => ({ PK: uniqueName('OVERSIZED#'), SK: 'X', padding: 'p'.repeat(401 * 1024) });

  it.each([
    ['PutItem', () => ddb.send(new PutCommand({ TableName: tables.chat, Item: oversized() }))],
    ['TransactWriteItems', () => ddb.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tables.chat, Item: oversized() } }] }))],
  ])('%s: answers 413 item_too_large', async (_name, write) => {
    const error = await write().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Error);
    expect(serviceFailure(error)).toMatchObject({ status: 413, code: 'item_too_large' });
  });
});
