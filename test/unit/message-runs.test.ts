import { describe, expect, it } from 'vitest';
import { MAX_OWN_AFTER_WATERMARK, type QueuedMessage } from '../../lib/messages/model.ts';
import { batchItemFailures, MAX_TRANSACTION_ITEMS, messageGroups, planRun, type RunContext, type SenderState } from '../../lib/messages/runs.ts';

/** Small factories: a queued message, a sender's state, a room context. */
let taskCounter = 0;
const queued = (senderId: number, overrides: Partial<QueuedMessage> = {}): QueuedMessage => ({
  taskId: `00000000-0000-4000-8000-${String(++taskCounter).padStart(12, '0')}`,
  roomId: 7,
  senderId,
  text: `text ${taskCounter}`,
  acceptedAt: '2026-12-01T10:00:00.000Z',
  ...overrides,
});
const member = (lastSeenSequence: number | undefined, ownAfterWatermark = 0): SenderState => ({
  username: 'someone',
  membership: { lastSeenSequence, ownAfterWatermark },
});
const context = (lastSequence: number | undefined, senders: Record<number, SenderState>): RunContext => ({
  room: { id: 7, room_name: 'general', lastSequence },
  senders: new Map(Object.entries(senders).map(([id, state]) => [Number(id), state])),
});
const sequences = (plan: ReturnType<typeof planRun>) => plan.records.map((r) => (r.kind === 'store' ? r.message.sequence : r.kind));

describe('planRun: sequence assignment', () => {
  it('numbers the records n+1 … n+k in queue order and moves the room from n to n+k once', () => {
    const messages = [queued(1), queued(2), queued(1)];
    const plan = planRun(7, context(41, { 1: member(0), 2: member(0) }), messages);
    expect(sequences(plan)).toEqual([42, 43, 44]);
    expect(plan.records.map((r) => r.queued.taskId)).toEqual(messages.map((m) => m.taskId));
    expect(plan).toMatchObject({ previousSequence: 41, lastSequence: 44 });
    // room + 3 × (message + task) + 2 senders
    expect(plan.items).toBe(1 + 6 + 2);
  });

  it('starts at 1 in a room whose lastSequence was never written, and conditions on its absence', () => {
    const plan = planRun(7, context(undefined, { 1: member(undefined) }), [queued(1), queued(1)]);
    expect(sequences(plan)).toEqual([1, 2]);
    expect(plan.previousSequence).toBeUndefined();
    expect(plan.lastSequence).toBe(2);
  });

  it('keeps the message as the API accepted it, with its view for the task result', () => {
    const message = queued(1, { text: 'hi there' });
    const [record] = planRun(7, { ...context(3, { 1: { username: 'ada', membership: { lastSeenSequence: 3, ownAfterWatermark: 0 } } }) }, [message]).records;
    expect(record).toMatchObject({
      kind: 'store',
      message: { roomId: 7, sequence: 4, senderId: 1, text: 'hi there', sentAt: message.acceptedAt, taskId: message.taskId },
      view: { id: '7-4', sequence: 4, room: { id: 7, room_name: 'general' }, msg_from: { id: 1, username: 'ada' }, text: 'hi there' },
    });
  });

  it('gives a repeated task (a second copy in the same run) no sequence and no item', () => {
    const first = queued(1);
    const plan = planRun(7, context(0, { 1: member(0) }), [first, queued(1), { ...first }]);
    expect(sequences(plan)).toEqual([1, 2, 'repeat']);
    expect(plan.items).toBe(1 + 4 + 1);
  });
});

describe('planRun: records that can never be stored', () => {
  it('rejects every record of a room that is gone, with no room update', () => {
    const plan = planRun(7, { room: undefined, senders: new Map([[1, member(0)]]) }, [queued(1), queued(1)]);
    expect(plan.records.map((r) => r.kind === 'reject' && r.reason)).toEqual([
      'Room 7 no longer exists; the message was not stored.',
      'Room 7 no longer exists; the message was not stored.',
    ]);
    expect(plan.items).toBe(2);
    expect(plan.senderUpdates).toEqual([]);
    expect(plan.lastSequence).toBeUndefined();
  });

  it('rejects a sender who left or no longer exists without using up a sequence', () => {
    const plan = planRun(
      7,
      context(10, { 1: member(10), 2: { username: 'bob', membership: undefined }, 3: { username: undefined, membership: undefined } }),
      [queued(1), queued(2), queued(3), queued(1)],
    );
    expect(sequences(plan)).toEqual([11, 'reject', 'reject', 12]);
    expect(plan.records[1]).toMatchObject({ reason: 'User bob is no longer a member of room general; the message was not stored.' });
    expect(plan.records[2]).toMatchObject({ reason: 'User 3 no longer exists; the message was not stored.' });
    expect(plan.senderUpdates.map((u) => u.senderId)).toEqual([1]);
    expect(plan.items).toBe(1 + 4 + 2 + 1);
  });
});

describe('planRun: the split at the transaction item limit', () => {
  it(`plans the longest prefix that fits ${MAX_TRANSACTION_ITEMS} items: 49 records of one sender`, () => {
    const messages = Array.from({ length: 60 }, () => queued(1));
    const plan = planRun(7, context(0, { 1: member(0) }), messages);
    expect(plan.records).toHaveLength(49); // 1 room + 49 × 2 + 1 sender = 100
    expect(plan.items).toBe(100);
    expect(plan.lastSequence).toBe(49);
  });

  it('33 records when every sender is new (3 items each, plus the room)', () => {
    const senders = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [i + 1, member(0)]));
    const plan = planRun(7, context(0, senders), Array.from({ length: 40 }, (_, i) => queued(i + 1)));
    expect(plan.records).toHaveLength(33);
    expect(plan.items).toBe(100);
  });

  it('splits at any limit and always plans at least one record', () => {
    const messages = [queued(1), queued(2), queued(1), queued(2)];
    const small = planRun(7, context(0, { 1: member(0), 2: member(0) }), messages, 7);
    expect(sequences(small)).toEqual([1, 2]); // 1 + 3 + 3 = 7; the third would add 2
    expect(planRun(7, context(0, { 1: member(0) }), messages, 1).records).toHaveLength(1);
  });
});

describe('planRun: how a run moves each sender’s read state', () => {
  it('a caught-up sender’s consecutive messages advance the watermark to the last of them', () => {
    const plan = planRun(7, context(5, { 1: member(5) }), [queued(1), queued(1), queued(1)]);
    expect(plan.senderUpdates).toEqual([{ senderId: 1, watermarkAsRead: 5, move: { kind: 'advance', lastSeenSequence: 8, ownAfterWatermark: [] } }]);
  });

  it('a sender behind the room appends all their messages under an unchanged watermark', () => {
    const plan = planRun(7, context(5, { 1: member(2, 1) }), [queued(1), queued(1)]);
    expect(plan.senderUpdates).toEqual([{ senderId: 1, watermarkAsRead: 2, move: { kind: 'append', sequences: [6, 7] } }]);
  });

  it('interleaved senders: an advance, then an own message after someone else’s, in one update per sender', () => {
    const plan = planRun(7, context(5, { 1: member(5), 2: member(3) }), [queued(1), queued(2), queued(1)]);
    expect(plan.senderUpdates).toEqual([
      { senderId: 1, watermarkAsRead: 5, move: { kind: 'advance', lastSeenSequence: 6, ownAfterWatermark: [8] } },
      { senderId: 2, watermarkAsRead: 3, move: { kind: 'append', sequences: [7] } },
    ]);
  });

  it(`past ${MAX_OWN_AFTER_WATERMARK} own messages above the watermark, posting counts as reading, within the run too`, () => {
    const plan = planRun(7, context(200, { 1: member(50, MAX_OWN_AFTER_WATERMARK - 1) }), [queued(1), queued(1), queued(1)]);
    // 201 is the 100th own message kept; 202 finds the list full and moves the watermark; 203 is then caught up.
    expect(plan.senderUpdates).toEqual([{ senderId: 1, watermarkAsRead: 50, move: { kind: 'advance', lastSeenSequence: 203, ownAfterWatermark: [] } }]);
  });

  it('keeps a never-written watermark as the condition (attribute absent)', () => {
    const plan = planRun(7, context(0, { 1: member(undefined) }), [queued(1)]);
    expect(plan.senderUpdates).toEqual([{ senderId: 1, watermarkAsRead: undefined, move: { kind: 'advance', lastSeenSequence: 1, ownAfterWatermark: [] } }]);
  });
});

describe('grouping a batch and failing the later records of a group', () => {
  const record = (messageId: string, group?: string) => ({ messageId, attributes: group ? { MessageGroupId: group } : {} });
  const groupOf = (r: ReturnType<typeof record>) => (r.attributes as { MessageGroupId?: string }).MessageGroupId ?? r.messageId;

  it('splits a batch into its FIFO groups, each in queue order', () => {
    const batch = [record('a1', 'A'), record('b1', 'B'), record('a2', 'A'), record('x'), record('b2', 'B'), record('a3', 'A')];
    expect(messageGroups(batch, groupOf).map((g) => g.map((r) => r.messageId))).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2'], ['x']]);
  });

  it('fails a group’s record at failedFrom and every later one, listed in batch order; other groups are untouched', () => {
    const batch = [record('a1', 'A'), record('b1', 'B'), record('a2', 'A'), record('b2', 'B'), record('a3', 'A')];
    const [a, b] = messageGroups(batch, groupOf);
    expect(batchItemFailures(batch, [{ records: a!, failedFrom: 1 }, { records: b!, failedFrom: 2 }])).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }],
    });
    expect(batchItemFailures(batch, [{ records: a!, failedFrom: 0 }, { records: b!, failedFrom: 1 }]).batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      'a1',
      'a2',
      'b2',
      'a3',
    ]);
  });
});
