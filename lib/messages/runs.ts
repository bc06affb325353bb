import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { RECENT_SENDERS, recentMessages, withOwnMessages, type ReadState } from '../reading/unread.ts';
import { toMessageView, type MessageView, type QueuedMessage, type StoredMessage } from './model.ts';

/**
 * The consumer's pure logic: a batch is split into its FIFO groups (rooms); the consecutive
 * records of one room are planned as ONE transaction ("a run"): the room's sequence and recent
 * senders move once, k message items, k task transitions, and a membership write only for a member
 * whose own message leaves the room's recent senders unseen by them (docs/data-model.md, "Read
 * state"). docs/messages.md describes the whole pipeline.
 */

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/** The room as a run needs it (its META). */
export interface RunRoom {
  id: number;
  room_name: string;
  /** undefined: never written. */
  lastSequence: number | undefined;
  /** Who sent the room's latest messages (lib/reading/unread.ts RoomSequence); [] when META holds none. */
  recentSenders: number[];
}

/** What planning a run must know, read together and strongly consistent. */
export interface RunContext {
  /** undefined once the room is gone. */
  room: RunRoom | undefined;
  /** The run's senders' usernames; undefined: the user no longer exists. */
  usernames: Map<number, string | undefined>;
  /**
   * The current read states of the run's senders and of the senders of the recent messages the
   * run may push out of the room's recent senders (recentSendersLeaving()); undefined: not a member.
   */
  members: Map<number, ReadState | undefined>;
}

export type PlannedRecord =
  | { kind: 'store'; queued: QueuedMessage; message: StoredMessage; view: MessageView }
  /** Can never be stored (the room is gone, the sender left): the task ends in FAILURE. */
  | { kind: 'reject'; queued: QueuedMessage; reason: string }
  /** A second copy of a task earlier in the same run: done when that one is. */
  | { kind: 'repeat'; queued: QueuedMessage };

/**
 * A membership the run writes: its own messages leaving the room's recent senders (and the rest of
 * its recent ones with them) are listed in `ownAfterWatermark`, on condition that the read state
 * is still `read`.
 */
export interface MemberRecording {
  userId: number;
  read: ReadState;
  next: ReadState;
}

export interface RunPlan {
  roomId: number;
  /** The records planned, a prefix of those given, in order. */
  records: PlannedRecord[];
  /** The room's lastSequence as read (the transaction's condition) and after the run. */
  previousSequence: number | undefined;
  lastSequence: number | undefined;
  /** The room's recent senders after the run (written with lastSequence when a message is stored). */
  recentSenders: number[];
  recordings: MemberRecording[];
  /** Items of the run's transaction: ≤ maxItems. */
  items: number;
}

/**
 * The members whose read state planning a run of `count` messages may need besides its senders':
 * the senders of the room's recent messages that as many new ones would push out.
 */
export function recentSendersLeaving(room: RunRoom | undefined, count: number): number[] {
  if (!room) return [];
  const leaving = Math.max(0, room.recentSenders.length + count - RECENT_SENDERS);
  return [...new Set(room.recentSenders.slice(0, leaving).filter((sender) => sender !== 0))];
}

interface Entry {
  sequence: number;
  sender: number;
}

/**
 * Plans the longest prefix of `messages` (all of one room, in queue order) whose transaction fits
 * in `maxItems`: sequences n+1, n+2, … in order to the records that can be stored, FAILURE to the
 * ones that cannot, nothing to a repeated task. Each stored message joins the room's recent
 * senders; past RECENT_SENDERS the oldest leave, and one that its sender (still a member) has not
 * seen makes the run list it, with all their other recent messages, in their membership: one write
 * per such member per run, and none for a member whose messages are already listed. At least one
 * record is always planned.
 */
export function planRun(roomId: number, context: RunContext, messages: QueuedMessage[], maxItems = MAX_TRANSACTION_ITEMS): RunPlan {
  const { room } = context;
  const memberOf = (userId: number) => {
    if (!context.members.has(userId)) throw new Error(`planRun: the read state of member ${userId} was not read`);
    return context.members.get(userId);
  };
  const records: PlannedRecord[] = [];
  const taskIds = new Set<string>();
  let sequence = room?.lastSequence ?? 0;
  const recent: Entry[] = recentMessages({ lastSequence: sequence, recentSenders: room?.recentSenders ?? [] });
  const departed: Entry[] = [];
  const recorded = new Set<number>();
  let stored = 0;
  let items = 0;

  for (const queued of messages) {
    const repeat = taskIds.has(queued.taskId);
    const reason = repeat ? undefined : rejectionReason(queued, room, context.usernames.get(queued.senderId), memberOf(queued.senderId));
    const kind = repeat ? 'repeat' : reason === undefined ? 'store' : 'reject';
    const leaving = kind === 'store' ? recent.slice(0, Math.max(0, recent.length + 1 - RECENT_SENDERS)) : [];
    const newlyRecorded = new Set(leaving.filter((entry) => !recorded.has(entry.sender) && unseenBySender(entry, memberOf)).map((entry) => entry.sender));
    const cost = kind === 'repeat' ? 0 : kind === 'reject' ? 1 : 2 + (stored === 0 ? 1 : 0) + newlyRecorded.size;
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
    departed.push(...recent.splice(0, leaving.length));
    recent.push({ sequence, sender: queued.senderId });
    for (const userId of newlyRecorded) recorded.add(userId);
    const message: StoredMessage = {
      roomId,
      sequence,
      senderId: queued.senderId,
      text: queued.text,
      sentAt: queued.acceptedAt,
      taskId: queued.taskId,
    };
    records.push({ kind, queued, message, view: toMessageView(message, room!, { id: queued.senderId, username: context.usernames.get(queued.senderId)! }) });
  }

  const recordings = [...recorded].map((userId) => {
    const read = memberOf(userId)!;
    const own = [...departed, ...recent].filter((entry) => entry.sender === userId).map((entry) => entry.sequence);
    return { userId, read, next: withOwnMessages(read, own) };
  });
  return {
    roomId,
    records,
    previousSequence: room?.lastSequence,
    lastSequence: stored > 0 ? sequence : room?.lastSequence,
    recentSenders: recent.map((entry) => (stillTracked(entry, recorded, context.members) ? entry.sender : 0)),
    recordings,
    items,
  };
}

/**
 * A message its sender, still a member, has not seen: one the recent senders or the membership
 * must remember (a member who joins later starts above it).
 */
const unseenByMember = (entry: Entry, member: ReadState | undefined) => member !== undefined && entry.sequence > member.lastSeenSequence;

/** A message leaving the recent senders that its sender, still a member, has not seen: it must be listed. */
function unseenBySender(entry: Entry, memberOf: (userId: number) => ReadState | undefined): boolean {
  return entry.sender !== 0 && unseenByMember(entry, memberOf(entry.sender));
}

/**
 * Whether a recent message still needs its sender named: not when the run lists it in the sender's
 * membership, nor when its sender, as read, has seen it or is no member.
 */
function stillTracked(entry: Entry, recorded: Set<number>, members: Map<number, ReadState | undefined>): boolean {
  if (entry.sender === 0 || recorded.has(entry.sender)) return false;
  return !members.has(entry.sender) || unseenByMember(entry, members.get(entry.sender));
}

function rejectionReason(queued: QueuedMessage, room: RunRoom | undefined, username: string | undefined, membership: ReadState | undefined): string | undefined {
  if (!room) return `Room ${queued.roomId} no longer exists; the message was not stored.`;
  if (username === undefined) return `User ${queued.senderId} no longer exists; the message was not stored.`;
  if (!membership) return `User ${username} is no longer a member of room ${room.room_name}; the message was not stored.`;
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
