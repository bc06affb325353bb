import { randomUUID } from 'node:crypto';
import { marshall, unmarshall, type marshallOptions } from '@aws-sdk/util-dynamodb';
import type * as Document from '@aws-sdk/lib-dynamodb';
import { JSON_RPC_ERROR_CODE } from './errors.ts';
import { configuredEndpoint, jsonBody, regionalEndpoint, serviceClient, type AwsService, type ClientOptions, type RetryLimits } from './service.ts';

/** The command shapes are lib-dynamodb's (a devDependency, for its types only). */
export type { BatchGetCommandOutput, QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * DynamoDB for the repository modules, with @aws-sdk/lib-dynamodb's document semantics and command
 * names: `ddb.send(new GetCommand({ TableName, Key }))` takes and gives plain JS values. Each
 * command marshals exactly the members lib-dynamodb marshals (its key-node tables, copied below,
 * walked by the same algorithm) with `removeUndefinedValues`, and unmarshals exactly what it
 * unmarshals: error fields stay marshalled (a cancelled transaction's `CancellationReasons[].Item`).
 * The wire protocol is AWS JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.<Operation>`).
 */

/** lib-dynamodb's key nodes: `{}` = marshal every value below; `null` = this value; `'*'` = every key. */
type KeyNodes = { readonly [key: string]: KeyNodes } | null;
const ALL: KeyNodes = {};
const SELF: KeyNodes = null;
const EACH = (nodes: KeyNodes): KeyNodes => ({ '*': nodes });

export interface DocumentCommand<Input, Output> {
  /** The DynamoDB operation, e.g. `GetItem`. */
  readonly operation: string;
  readonly input: Input;
  readonly inputNodes: KeyNodes;
  readonly outputNodes: KeyNodes;
  /** Type only: what `send` resolves to. */
  readonly output?: Output;
}

function documentCommand<Input, Output>(operation: string, inputNodes: KeyNodes, outputNodes: KeyNodes) {
  return class implements DocumentCommand<Input, Output> {
    readonly operation = operation;
    readonly inputNodes = inputNodes;
    readonly outputNodes = outputNodes;
    readonly input: Input;
    declare readonly output?: Output;

    constructor(input: Input) {
      this.input = input;
    }
  };
}

const expected = EACH({ Value: SELF, AttributeValueList: ALL });
const itemCollectionMetrics = { ItemCollectionKey: ALL };
const writeOutput = { Attributes: ALL, ItemCollectionMetrics: itemCollectionMetrics };
const writeRequests = EACH(EACH({ PutRequest: { Item: ALL }, DeleteRequest: { Key: ALL } }));

export const GetCommand = documentCommand<Document.GetCommandInput, Document.GetCommandOutput>('GetItem', { Key: ALL }, { Item: ALL });
export const PutCommand = documentCommand<Document.PutCommandInput, Document.PutCommandOutput>('PutItem', { Item: ALL, Expected: expected, ExpressionAttributeValues: ALL }, writeOutput);
export const UpdateCommand = documentCommand<Document.UpdateCommandInput, Document.UpdateCommandOutput>(
  'UpdateItem',
  { Key: ALL, AttributeUpdates: EACH({ Value: SELF }), Expected: expected, ExpressionAttributeValues: ALL },
  writeOutput,
);
export const DeleteCommand = documentCommand<Document.DeleteCommandInput, Document.DeleteCommandOutput>('DeleteItem', { Key: ALL, Expected: expected, ExpressionAttributeValues: ALL }, writeOutput);
export const QueryCommand = documentCommand<Document.QueryCommandInput, Document.QueryCommandOutput>(
  'Query',
  { KeyConditions: EACH({ AttributeValueList: ALL }), QueryFilter: EACH({ AttributeValueList: ALL }), ExclusiveStartKey: ALL, ExpressionAttributeValues: ALL },
  { Items: EACH(ALL), LastEvaluatedKey: ALL },
);
export const ScanCommand = documentCommand<Document.ScanCommandInput, Document.ScanCommandOutput>(
  'Scan',
  { ScanFilter: EACH({ AttributeValueList: ALL }), ExclusiveStartKey: ALL, ExpressionAttributeValues: ALL },
  { Items: EACH(ALL), LastEvaluatedKey: ALL },
);
export const BatchGetCommand = documentCommand<Document.BatchGetCommandInput, Document.BatchGetCommandOutput>(
  'BatchGetItem',
  { RequestItems: EACH({ Keys: EACH(ALL) }) },
  { Responses: EACH(EACH(ALL)), UnprocessedKeys: EACH({ Keys: EACH(ALL) }) },
);
export const BatchWriteCommand = documentCommand<Document.BatchWriteCommandInput, Document.BatchWriteCommandOutput>(
  'BatchWriteItem',
  { RequestItems: writeRequests },
  { UnprocessedItems: writeRequests, ItemCollectionMetrics: EACH(EACH(itemCollectionMetrics)) },
);
export const TransactWriteCommand = documentCommand<Document.TransactWriteCommandInput, Document.TransactWriteCommandOutput>(
  'TransactWriteItems',
  {
    TransactItems: EACH({
      ConditionCheck: { Key: ALL, ExpressionAttributeValues: ALL },
      Put: { Item: ALL, ExpressionAttributeValues: ALL },
      Delete: { Key: ALL, ExpressionAttributeValues: ALL },
      Update: { Key: ALL, ExpressionAttributeValues: ALL },
    }),
  },
  { ItemCollectionMetrics: EACH(EACH(itemCollectionMetrics)) },
);
export const TransactGetCommand = documentCommand<Document.TransactGetCommandInput, Document.TransactGetCommandOutput>(
  'TransactGetItems',
  { TransactItems: EACH({ Get: { Key: ALL } }) },
  { Responses: EACH({ Item: ALL }) },
);

export type GetCommand = InstanceType<typeof GetCommand>;
export type PutCommand = InstanceType<typeof PutCommand>;
export type UpdateCommand = InstanceType<typeof UpdateCommand>;
export type DeleteCommand = InstanceType<typeof DeleteCommand>;
export type QueryCommand = InstanceType<typeof QueryCommand>;
export type ScanCommand = InstanceType<typeof ScanCommand>;
export type BatchGetCommand = InstanceType<typeof BatchGetCommand>;
export type BatchWriteCommand = InstanceType<typeof BatchWriteCommand>;
export type TransactWriteCommand = InstanceType<typeof TransactWriteCommand>;
export type TransactGetCommand = InstanceType<typeof TransactGetCommand>;

// lib-dynamodb 3.1162 commands/utils.js, as it walks inputs and outputs.
type Convert = (value: unknown) => unknown;
type Obj = Record<string, unknown>;

function processObj(obj: unknown, convert: Convert, nodes: KeyNodes): unknown {
  if (obj === undefined) return undefined;
  if (nodes === null) return convert(obj);
  const keys = Object.keys(nodes);
  if (keys.length === 0) return processAllKeys(obj as Obj, convert);
  if (keys.length === 1 && keys[0] === '*') {
    const each = nodes['*']!;
    const accumulator: Obj | unknown[] = Array.isArray(obj) ? [] : {};
    for (const [key, value] of Object.entries(obj ?? {})) {
      if (typeof value !== 'function') (accumulator as Obj)[key] = processObj(value, convert, each);
    }
    return accumulator;
  }
  return processKeys(obj as Obj, convert, nodes);
}

function processKeys(obj: Obj, convert: Convert, nodes: Exclude<KeyNodes, null>): Obj {
  let accumulator: Obj;
  if (Array.isArray(obj)) accumulator = obj.filter((item) => typeof item !== 'function') as unknown as Obj;
  else {
    accumulator = {};
    for (const [key, value] of Object.entries(obj)) if (typeof value !== 'function') accumulator[key] = value;
  }
  for (const [key, childNodes] of Object.entries(nodes)) {
    if (typeof obj[key] === 'function') continue;
    const processed = processObj(obj[key], convert, childNodes);
    if (processed !== undefined && typeof processed !== 'function') accumulator[key] = processed;
  }
  return accumulator;
}

function processAllKeys(obj: Obj | unknown[], convert: Convert): unknown {
  if (Array.isArray(obj)) return obj.filter((item) => typeof item !== 'function').map((item) => processObj(item, convert, SELF));
  const accumulator: Obj = {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === 'function') continue;
    const processed = processObj(value, convert, SELF);
    if (processed !== undefined && typeof processed !== 'function') accumulator[key] = processed;
  }
  return accumulator;
}

// What DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) used.
const MARSHALL: marshallOptions = { removeUndefinedValues: true, convertTopLevelContainer: true };
const toAttribute: Convert = (value) => marshall(value as Obj, MARSHALL);
const fromAttribute: Convert = (value) => unmarshall(value as Parameters<typeof unmarshall>[0], { convertWithoutMapWrapper: true });

/** The input as DynamoDB takes it (attribute values marshalled). */
export function marshallInput(command: DocumentCommand<unknown, unknown>): Obj {
  return processKeys(command.input as Obj, toAttribute, command.inputNodes ?? {});
}

/** The output as the repositories read it (attribute values unmarshalled). */
export function unmarshallOutput(command: DocumentCommand<unknown, unknown>, output: Obj): Obj {
  return processKeys(output, fromAttribute, command.outputNodes ?? {});
}

export interface CommandContext {
  /** The SDK's name for the request, e.g. `GetItemCommand` (the usage tally and tests count by it). */
  commandName: string;
}
export type CommandHandler = (args: { input: Obj }) => Promise<{ output: Obj }>;
/** Wraps every call, outermost first, with the command's (document) input and output. */
export type Middleware = (next: CommandHandler, context: CommandContext) => CommandHandler;

/**
 * Budgets as the SDK client had them (lib/repository/client.ts DYNAMODB_BUDGET): each attempt cut
 * after requestTimeoutMs, a connect after connectionTimeoutMs, backoff 25 ms base (the SDK's for
 * DynamoDB), throttling 500 ms, never more than maxBackoffMs.
 */
export interface DynamoDBOptions extends ClientOptions {
  limits: Pick<RetryLimits, 'connectionTimeoutMs' | 'requestTimeoutMs' | 'maxAttempts' | 'maxBackoffMs'>;
  /** Default: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, else the region's endpoint. */
  endpoint?: string;
}

export class DynamoDBDocument {
  private readonly service: AwsService;
  private readonly endpoint: string | undefined;
  private readonly middlewares: Middleware[] = [];

  constructor(options: DynamoDBOptions) {
    this.service = serviceClient('dynamodb', JSON_RPC_ERROR_CODE, 25, options);
    const endpoint = options.endpoint ?? configuredEndpoint('DYNAMODB') ?? (this.service.region ? regionalEndpoint('dynamodb', this.service.region) : undefined);
    this.endpoint = endpoint ? new URL(endpoint).origin : undefined;
  }

  /** Adds a middleware around every later call (after, i.e. inside, those added before). */
  use(middleware: Middleware): void {
    this.middlewares.push(middleware);
  }

  send<Input, Output>(command: DocumentCommand<Input, Output>): Promise<Output> {
    const context: CommandContext = { commandName: `${command.operation}Command` };
    let handler: CommandHandler = (args) => this.execute(command, args.input);
    for (let i = this.middlewares.length - 1; i >= 0; i--) handler = this.middlewares[i]!(handler, context);
    return handler({ input: command.input as Obj }).then(({ output }) => output as Output);
  }

  private async execute(command: DocumentCommand<unknown, unknown>, input: Obj): Promise<{ output: Obj }> {
    if (!this.endpoint) throw new Error('No DynamoDB endpoint: AWS_REGION is not set');
    const marshalled = marshallInput({ ...command, input });
    // The SDK's idempotency token: retried attempts of one transaction are one transaction.
    if (command.operation === 'TransactWriteItems') marshalled.ClientRequestToken ??= randomUUID();
    const { data, $metadata } = await this.service.call({
      origin: this.endpoint,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${command.operation}` },
      body: jsonBody(marshalled),
    });
    return { output: unmarshallOutput(command, { ...data, $metadata }) };
  }
}
