import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { senderReadState, toMessageView, type MessageView, type QueuedMessage, type StoredMessage } from './model.ts';

/**
 * The consumer's pure logic: a batch is split into its FIFO groups (rooms); the consecutive
 * records of one room are planned as ONE transaction ("a run"): the room's sequence moves from n to
 * n+k once, k message items, k task transitions, one read-state update per distinct sender.
 * docs/messages.md describes the whole pipeline.
 */

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/** What planning a run must know of its room, read together and strongly consistent. */
export interface RunContext {
  /** The room's META; undefined once the room is gone. lastSequence undefined: never written. */
  room: { id: number; room_name: string; lastSequence: number | undefined } | undefined;
  senders: Map<number, SenderState>;
}

export interface SenderState {
  /** undefined: the user no longer exists. */
  username: string | undefined;
  /** The sender's current membership (undefined once they left): watermark and own messages kept above it. */
  membership: { lastSeenSequence: number | undefined; ownAfterWatermark: number } | undefined;
}

export type PlannedRecord =
  | { kind: 'store'; queued: QueuedMessage; message: StoredMessage; view: MessageView }
  /** Can never be stored (the room is gone, the sender left): the task ends in FAILURE. */
  | { kind: 'reject'; queued: QueuedMessage; reason: string }
  /** A second copy of a task earlier in the same run: done when that one is. */
  | { kind: 'repeat'; queued: QueuedMessage };

/**
 * How a run moves one sender's read state, the messages of the run applied one after another as
 * senderReadState() says: `advance` replaces watermark and own-message list (the list then holds
 * only the run's own messages after the last advance), `append` adds the run's own messages to the
 * list under an unchanged watermark.
 */
export type ReadStateMove =
  | { kind: 'advance'; lastSeenSequence: number; ownAfterWatermark: number[] }
  | { kind: 'append'; sequences: number[] };

export interface SenderUpdate {
  senderId: number;
  /** The watermark as read: the update's condition. */
  watermarkAsRead: number | undefined;
  move: ReadStateMove;
}

export interface RunPlan {
  roomId: number;
  /** The records planned, a prefix of those given, in order. */
  records: PlannedRecord[];
  /** The room's lastSequence as read (the transaction's condition) and after the run. */
  previousSequence: number | undefined;
  lastSequence: number | undefined;
  senderUpdates: SenderUpdate[];
  /** Items of the run's transaction: ≤ maxItems. */
  items: number;
}

interface SenderTracker {
  watermarkAsRead: number | undefined;
  watermark: number;
  ownCount: number;
  advanced: boolean;
  /** Own messages of this run since the last advance (or since the start). */
  own: number[];
}

/**
 * Plans the longest prefix of `messages` (all of one room, in queue order) whose transaction fits
 * in `maxItems`: sequences n+1, n+2, … in order to the records that can be stored, FAILURE to the
 * ones that cannot, nothing to a repeated task. At least one record is always planned.
 */
export function planRun(roomId: number, context: RunContext, messages: QueuedMessage[], maxItems = MAX_TRANSACTION_ITEMS): RunPlan {
  const { room } = context;
  const records: PlannedRecord[] = [];
  const taskIds = new Set<string>();
  const trackers = new Map<number, SenderTracker>();
  let sequence = room?.lastSequence ?? 0;
  let stored = 0;
  let items = 0;

  for (const queued of messages) {
    const sender = context.senders.get(queued.senderId);
    const reason = taskIds.has(queued.taskId) ? undefined : rejectionReason(queued, room, sender);
    const kind = taskIds.has(queued.taskId) ? 'repeat' : reason === undefined ? 'store' : 'reject';
    const cost = kind === 'repeat' ? 0 : kind === 'reject' ? 1 : 2 + (trackers.has(queued.senderId) ? 0 : 1) + (stored === 0 ? 1 : 0);
    if (records.length > 0 && items + cost > maxItems) break;
    items += cost;
    taskIds.add(queued.taskId);
    if (kind === 'repeat') {
      records.push({ kind, queued });
      continue;
    }
    if (kind === 'reject') {
      records.push({ kind, queued, reason: reason! });
      continue;
    }
    sequence += 1;
    stored += 1;
    const membership = sender!.membership!;
    let tracker = trackers.get(queued.senderId);
    if (!tracker) {
      tracker = {
        watermarkAsRead: membership.lastSeenSequence,
        watermark: membership.lastSeenSequence ?? 0,
        ownCount: membership.ownAfterWatermark,
        advanced: false,
        own: [],
      };
      trackers.set(queued.senderId, tracker);
    }
    if (senderReadState(tracker.watermark, sequence, tracker.ownCount) === 'advance-watermark') {
      Object.assign(tracker, { watermark: sequence, ownCount: 0, advanced: true, own: [] });
    } else {
      tracker.ownCount += 1;
      tracker.own.push(sequence);
    }
    const message: StoredMessage = {
      roomId,
      sequence,
      senderId: queued.senderId,
      text: queued.text,
      sentAt: queued.acceptedAt,
      taskId: queued.taskId,
    };
    records.push({ kind, queued, message, view: toMessageView(message, room!, { id: queued.senderId, username: sender!.username! }) });
  }

  return {
    roomId,
    records,
    previousSequence: room?.lastSequence,
    lastSequence: stored > 0 ? sequence : room?.lastSequence,
    senderUpdates: [...trackers].map(([senderId, t]) => ({
      senderId,
      watermarkAsRead: t.watermarkAsRead,
      move: t.advanced ? { kind: 'advance', lastSeenSequence: t.watermark, ownAfterWatermark: t.own } : { kind: 'append', sequences: t.own },
    })),
    items,
  };
}

function rejectionReason(queued: QueuedMessage, room: RunContext['room'], sender: SenderState | undefined): string | undefined {
  if (!room) return `Room ${queued.roomId} no longer exists; the message was not stored.`;
  if (sender?.username === undefined) return `User ${queued.senderId} no longer exists; the message was not stored.`;
  if (!sender.membership) return `User ${sender.username} is no longer a member of room ${room.room_name}; the message was not stored.`;
  return undefined;
}

/** Items of a batch by FIFO group (a room), each group in queue order. */
export function messageGroups<T>(items: T[], groupOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groupOf(item);
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  return [...groups.values()];
}

/**
 * The partial batch response: in each group, the record at `failedFrom` and every later one are
 * retried (none overtakes an earlier record of its room); `failedFrom` = the group's length when
 * all were handled. Listed in batch order.
 */
export function batchItemFailures(
  records: Pick<SQSRecord, 'messageId'>[],
  groups: { records: Pick<SQSRecord, 'messageId'>[]; failedFrom: number }[],
): SQSBatchResponse {
  const failed = new Set(groups.flatMap(({ records: group, failedFrom }) => group.slice(failedFrom).map((r) => r.messageId)));
  return { batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}
