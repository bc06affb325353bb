import { BatchGetCommand, QueryCommand, type BatchGetCommandOutput, type QueryCommandInput } from '../aws/dynamodb.ts';
import { ddb } from './client.ts';

type Key = Record<string, string>;
type Item = Record<string, unknown>;

const MAX_KEYS_PER_CALL = 100;
const MAX_ROUNDS = 8;

/**
 * BatchGetItem of any number of keys: duplicates removed, ≤ 100 keys per call (calls in
 * parallel), UnprocessedKeys retried with backoff. Missing items are simply absent from the result.
 */
export async function batchGet(
  table: string,
  keys: Key[],
  options: { attributes?: string[]; consistent?: boolean } = {},
): Promise<Item[]> {
  const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
  const chunks: Key[][] = [];
  for (let start = 0; start < unique.length; start += MAX_KEYS_PER_CALL) chunks.push(unique.slice(start, start + MAX_KEYS_PER_CALL));
  const pages = await Promise.all(chunks.map((chunk) => getChunk(table, chunk, options)));
  return pages.flat();
}

async function getChunk(table: string, keys: Key[], options: { attributes?: string[]; consistent?: boolean }): Promise<Item[]> {
  const names = options.attributes ? Object.fromEntries(options.attributes.map((name, i) => [`#a${i}`, name])) : undefined;
  const request = {
    Keys: keys,
    ConsistentRead: options.consistent,
    ...(names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
  };
  const items: Item[] = [];
  let pending: typeof request | undefined = request;
  for (let round = 0; pending; round++) {
    if (round >= MAX_ROUNDS) throw new Error(`BatchGetItem left keys unprocessed after ${MAX_ROUNDS} rounds`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** round));
    const answer: BatchGetCommandOutput = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: pending } }));
    items.push(...(answer.Responses?.[table] ?? []));
    const left: Key[] | undefined = answer.UnprocessedKeys?.[table]?.Keys as Key[] | undefined;
    pending = left && left.length > 0 ? { ...request, Keys: left } : undefined;
  }
  return items;
}

/** Every item a Query matches, following LastEvaluatedKey page after page (1 MB each). */
export async function queryAll(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
