/**
 * DynamoDB requests and capacity of one piece of work, per command, with the AWS-billed estimate.
 *
 * lib/repository/client.ts asks every request for ReturnConsumedCapacity and keeps a per-process
 * total (dynamoUsage()). Its total does not say which units came from transactions, and DynamoDB
 * Local reports a TransactWriteItems at 2 write units per table it touches, whatever its items,
 * where AWS bills 2 per item (per KB) — and 2 read units per transactional read. So the benchmark
 * taps the same client for per-command units (asking for INDEXES) and derives:
 *   wcu = units of non-transactional writes + per TransactWriteItems 2 × its items + 2 × the
 *         index units Local reports for it
 *   rcu = units of non-transactional reads  + 2 × units reported for TransactGetItems
 * and keeps the raw local figures (wcuLocal, rcuLocal) next to them.
 */
import { ddb, dynamoUsage, resetDynamoUsage } from '../lib/repository/client.ts';
import { round } from './stats.ts';

export interface Capacity {
  requests: number;
  /** Read request units AWS would bill (transactional reads doubled). */
  rcu: number;
  /** Write request units AWS would bill (transactional writes doubled). */
  wcu: number;
  rcuLocal: number;
  wcuLocal: number;
  byCommand: Record<string, number>;
  /** Write units DynamoDB Local reported for TransactWriteItems (the part doubled in wcu). */
  transactWriteUnitsLocal: number;
  /** Items in those TransactWriteItems requests (1 unit each locally when ≤ 1 KB and no index write). */
  transactWriteItems: number;
}

interface Tally {
  read: number;
  write: number;
  transactRead: number;
  transactItems: number;
  /** Per TransactWriteItems call: the units Local reported, and its items. */
  transactWriteByCall: number[];
  /** …and the part of them that Local reported for index writes. */
  transactIndexByCall: number[];
  transactItemsByCall: number[];
}

const emptyTally = (): Tally => ({ read: 0, write: 0, transactRead: 0, transactItems: 0, transactWriteByCall: [], transactIndexByCall: [], transactItemsByCall: [] });
const tally: Tally = emptyTally();
let installed = false;

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const isWrite = (command: string) => /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(command);

export function installCapacityTap(): void {
  if (installed) return;
  installed = true;
  ddb.use((next, context) => async (args) => {
    // With the index part of each table's units reported apart (the totals stay the same).
    args.input.ReturnConsumedCapacity = 'INDEXES';
    const result = await next(args);
    const command = context.commandName ?? 'unknown';
    const transactWrite = command.startsWith('TransactWrite');
    const items = ((args.input as { TransactItems?: unknown[] }).TransactItems ?? []).length;
    if (transactWrite) tally.transactItems += items;
    let transactWriteLocal = 0;
    let transactIndexLocal = 0;
    const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
    for (const consumed of [output.ConsumedCapacity ?? []].flat()) {
      let read = consumed.ReadCapacityUnits ?? 0;
      let write = consumed.WriteCapacityUnits ?? 0;
      if (consumed.ReadCapacityUnits === undefined && consumed.WriteCapacityUnits === undefined) {
        if (isWrite(command)) write = consumed.CapacityUnits ?? 0;
        else read = consumed.CapacityUnits ?? 0;
      }
      if (transactWrite) {
        transactWriteLocal += write;
        transactIndexLocal += Object.values(consumed.GlobalSecondaryIndexes ?? {}).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);
      } else tally.write += write;
      if (command.startsWith('TransactGet')) tally.transactRead += read;
      else tally.read += read;
    }
    if (transactWrite) {
      tally.transactWriteByCall.push(transactWriteLocal);
      tally.transactIndexByCall.push(transactIndexLocal);
      tally.transactItemsByCall.push(items);
    }
    return result;
  });
}

function resetTally(): void {
  Object.assign(tally, emptyTally());
}

/**
 * AWS write units of the transactions seen: per call, 2 per item (each ≤ 1 KB), plus the index
 * writes DynamoDB Local reports for it, doubled as transactional (an upper bound: Local's table
 * units for a transaction are 2 per table touched whatever its items, so they are not used).
 */
const transactWriteUnitsAws = () => tally.transactItemsByCall.reduce((sum, items, i) => sum + 2 * items + 2 * (tally.transactIndexByCall[i] ?? 0), 0);

/** Capacity of what `work` does in this process (nothing else may use DynamoDB meanwhile). */
export async function measureCapacity<T>(work: () => Promise<T>): Promise<{ value: T; capacity: Capacity; ms: number }> {
  installCapacityTap();
  resetDynamoUsage();
  resetTally();
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  const usage = dynamoUsage();
  const capacity: Capacity = {
    requests: usage.requests,
    rcu: round(tally.read + 2 * tally.transactRead),
    wcu: round(tally.write + transactWriteUnitsAws()),
    rcuLocal: round(usage.readCapacity),
    wcuLocal: round(usage.writeCapacity),
    byCommand: usage.byCommand,
    transactWriteUnitsLocal: round(tally.transactWriteByCall.reduce((sum, units) => sum + units, 0)),
    transactWriteItems: tally.transactItems,
  };
  return { value, capacity, ms };
}

export function addCapacity(a: Capacity, b: Capacity): Capacity {
  const byCommand = { ...a.byCommand };
  for (const [command, count] of Object.entries(b.byCommand)) byCommand[command] = (byCommand[command] ?? 0) + count;
  return {
    requests: a.requests + b.requests,
    rcu: round(a.rcu + b.rcu),
    wcu: round(a.wcu + b.wcu),
    rcuLocal: round(a.rcuLocal + b.rcuLocal),
    wcuLocal: round(a.wcuLocal + b.wcuLocal),
    byCommand,
    transactWriteUnitsLocal: round(a.transactWriteUnitsLocal + b.transactWriteUnitsLocal),
    transactWriteItems: a.transactWriteItems + b.transactWriteItems,
  };
}

/** A capacity times `factor` (e.g. a batch's share per message). */
export function scaleCapacity(c: Capacity, factor: number): Capacity {
  return {
    requests: round(c.requests * factor),
    rcu: round(c.rcu * factor),
    wcu: round(c.wcu * factor),
    rcuLocal: round(c.rcuLocal * factor),
    wcuLocal: round(c.wcuLocal * factor),
    byCommand: Object.fromEntries(Object.entries(c.byCommand).map(([command, n]) => [command, round(n * factor)])),
    transactWriteUnitsLocal: round(c.transactWriteUnitsLocal * factor),
    transactWriteItems: round(c.transactWriteItems * factor),
  };
}
