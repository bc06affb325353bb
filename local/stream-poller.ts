/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping (the live-delivery
 * fan-out's trigger): reads every shard of the chat table's stream from LATEST, keeps the records
 * the deployed mapping's FilterCriteria keep (infra/definitions.json, chatStream.FilterPatterns),
 * and hands them over in batches of at most BatchSize, one batch at a time per shard, in stream
 * order — the mapping's order guarantee (ParallelizationFactor 1). ReportBatchItemFailures
 * semantics: a batch is retried from its first reported failure, at most MaximumRetryAttempts
 * times, then skipped and logged (the mapping has no on-failure destination). A child shard is
 * read only once its parent is finished, as Lambda does.
 *
 * `deliver` is serverless-offline's Lambda invoke endpoint (lambdaInvoker) for `npm start`; tests
 * may pass the handler itself to count what one fan-out does.
 */
import { readFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compileFilter } from './event-filter.ts';

const DEFINITIONS_PATH = new URL('../infra/definitions.json', import.meta.url);
const REGION = 'us-east-1';
/** Lambda polls a shard "at a base rate of 4 times per second". */
const POLL_INTERVAL_MS = 250;
const DISCOVER_INTERVAL_MS = 2000;
const ERROR_BACKOFF_MS = 500;
const INVOKE_TIMEOUT_MS = 60_000;

export interface StreamMapping {
  FilterPatterns: unknown[];
  BatchSize: number;
  MaximumRetryAttempts: number;
}

/** The deployed mapping's settings, from the file serverless.yml reads them from. */
export function chatStreamMapping(): StreamMapping {
  return (JSON.parse(readFileSync(DEFINITIONS_PATH, 'utf8')) as { chatStream: StreamMapping }).chatStream;
}

export interface StreamPollerOptions {
  dynamodbEndpoint: string;
  tableName: string;
  deliver: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  log: (line: string) => void;
  mapping?: StreamMapping;
  pollIntervalMs?: number;
}

export interface StreamPoller {
  /** Resolves once every shard has an iterator: records written from now on are delivered. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** `deliver` through serverless-offline's Lambda invoke endpoint; a function error throws. */
export function lambdaInvoker(lambdaUrl: string, functionName: string): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void> {
  const url = `${lambdaUrl.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  return async (event) => {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(INVOKE_TIMEOUT_MS) });
    const text = await response.text();
    if (!response.ok || response.headers.has('x-amz-function-error')) {
      throw new Error(`${functionName}: HTTP ${response.status} ${response.headers.get('x-amz-function-error') ?? ''} ${text.slice(0, 500)}`);
    }
    return text.trim() === '' ? undefined : ((JSON.parse(text) as DynamoDBBatchResponse | null) ?? undefined);
  };
}

export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { log } = options;
  const mapping = options.mapping ?? chatStreamMapping();
  const keep = compileFilter(mapping.FilterPatterns);
  const pollIntervalMs = options.pollIntervalMs ?? POLL_INTERVAL_MS;
  const config = {
    region: process.env.AWS_REGION ?? REGION,
    endpoint: options.dynamodbEndpoint,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
  };
  const ddb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const stopping = new AbortController();
  const started = new Set<string>();
  const finished = new Set<string>();
  const loops: Promise<void>[] = [];
  let streamArn = '';

  const describeShards = async (): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }));
      shards.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return shards;
  };

  /** Starts a loop for every shard not read yet; at first LATEST, later (new child shards) from their start. */
  const discover = async (first: boolean): Promise<void> => {
    for (const shard of await describeShards()) {
      const id = shard.ShardId!;
      if (started.has(id)) continue;
      if (first && shard.SequenceNumberRange?.EndingSequenceNumber) continue; // closed before we came
      if (!first && shard.ParentShardId && started.has(shard.ParentShardId) && !finished.has(shard.ParentShardId)) continue;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: first ? 'LATEST' : 'TRIM_HORIZON' }),
      );
      started.add(id);
      loops.push(readShard(id, ShardIterator));
    }
  };

  const readShard = async (shardId: string, iterator: string | undefined): Promise<void> => {
    let lastSequence: string | undefined;
    while (iterator && !stopping.signal.aborted) {
      try {
        const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), {
          abortSignal: stopping.signal,
        });
        iterator = NextShardIterator;
        const kept = Records.map((record) => toLambdaRecord(record, streamArn)).filter(keep);
        for (let start = 0; start < kept.length; start += mapping.BatchSize) await deliverBatch(kept.slice(start, start + mapping.BatchSize));
        lastSequence = Records.at(-1)?.dynamodb?.SequenceNumber ?? lastSequence;
        if (Records.length === 0) await sleep(pollIntervalMs, stopping.signal);
      } catch (error) {
        if (stopping.signal.aborted) return;
        if (error instanceof ExpiredIteratorException) {
          iterator = (
            await streams.send(
              new GetShardIteratorCommand({
                StreamArn: streamArn,
                ShardId: shardId,
                ...(lastSequence ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastSequence } : { ShardIteratorType: 'TRIM_HORIZON' }),
              }),
            )
          ).ShardIterator;
          continue;
        }
        log(`stream-poller: ${shardId}: ${(error as Error).message}`);
        await sleep(ERROR_BACKOFF_MS, stopping.signal);
      }
    }
    finished.add(shardId);
  };

  const deliverBatch = async (batch: DynamoDBRecord[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > mapping.MaximumRetryAttempts) {
        log(`stream-poller: ${pending.length} records skipped after ${mapping.MaximumRetryAttempts} retries (from ${pending[0]!.dynamodb!.SequenceNumber})`);
        return;
      }
      if (attempt > 0) await sleep(ERROR_BACKOFF_MS, stopping.signal);
      if (stopping.signal.aborted) return;
      try {
        const failures = (await options.deliver({ Records: pending }))?.batchItemFailures ?? [];
        if (failures.length === 0) return;
        const ids = failures.map((failure) => failure.itemIdentifier);
        // Lambda resumes from the lowest reported record; an unknown one retries the whole batch.
        const from = Math.min(...ids.map((id) => pending.findIndex((record) => record.dynamodb?.SequenceNumber === id)).map((i) => (i < 0 ? 0 : i)));
        pending = pending.slice(from);
      } catch (error) {
        log(`stream-poller: delivering ${pending.length} records failed, retrying: ${(error as Error).message}`);
      }
    }
  };

  const ready = (async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`table ${options.tableName} has no stream (infra/definitions.json, chatTable.StreamSpecification)`);
    streamArn = Table.LatestStreamArn;
    await discover(true);
  })();
  ready.catch(() => {});

  const discovering = (async () => {
    await ready.catch(() => {});
    while (!stopping.signal.aborted) {
      await sleep(DISCOVER_INTERVAL_MS, stopping.signal);
      if (stopping.signal.aborted) return;
      await discover(false).catch((error: unknown) => log(`stream-poller: discovering shards: ${(error as Error).message}`));
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await Promise.allSettled([discovering, ...loops]);
        ddb.destroy();
        streams.destroy();
      })();
      return stopped;
    },
  };
}

/** A stream record as Lambda's event source mapping hands it to a function. */
function toLambdaRecord(record: StreamRecord, eventSourceARN: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? process.env.AWS_REGION ?? REGION,
    eventSourceARN,
    dynamodb: {
      ...(change.ApproximateCreationDateTime ? { ApproximateCreationDateTime: change.ApproximateCreationDateTime.getTime() / 1000 } : {}),
      Keys: change.Keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      ...(change.NewImage ? { NewImage: change.NewImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } : {}),
      ...(change.OldImage ? { OldImage: change.OldImage as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'] } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
