import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../lib/messages/model.ts';
import { batchItemFailures, MAX_TRANSACTION_ITEMS, messageGroups, planRun, recentSendersLeaving, type RunContext, type RunRoom } from '../../lib/messages/runs.ts';
import { advancedReadState, MAX_OWN_AFTER_WATERMARK, RECENT_SENDERS, seenThrough, unreadCount, type ReadState } from '../../lib/reading/unread.ts';

/** Small factories: a queued message, a read state, a room context. */
let taskCounter = 0;
const queued = (senderId: number, overrides: Partial<QueuedMessage> = {}): QueuedMessage => ({
  taskId: `00000000-0000-4000-8000-${String(++taskCounter).padStart(12, '0')}`,
  roomId: 7,
  senderId,
  text: `text ${taskCounter}`,
  acceptedAt: '2026-12-01T10:00:00.000Z',
  ...overrides,
});
const state = (lastSeenSequence: number, ownAfterWatermark: number[] = []): ReadState => ({ lastSeenSequence, ownAfterWatermark });
const room = (lastSequence: number | undefined, recentSenders: number[] = []): RunRoom => ({ id: 7, room_name: 'general', lastSequence, recentSenders });
/** Senders are members named `user_<id>` unless `usernames` says otherwise; `members` are their read states (undefined: not a member). */
const context = (runRoom: RunRoom | undefined, members: Record<number, ReadState | undefined>, usernames: Record<number, string | undefined> = {}): RunContext => ({
  room: runRoom,
  usernames: new Map(Object.keys(members).map((id) => [Number(id), id in usernames ? usernames[Number(id)] : `user_${id}`])),
  members: new Map(Object.entries(members).map(([id, read]) => [Number(id), read])),
});
const sequences = (plan: ReturnType<typeof planRun>) => plan.records.map((r) => (r.kind === 'store' ? r.message.sequence : r.kind));
/** A full window of recent senders: RECENT_SENDERS entries, `senderOf(i)` for the i-th oldest. */
const fullWindow = (senderOf: (i: number) => number) => Array.from({ length: RECENT_SENDERS }, (_, i) => senderOf(i));

describe('planRun: sequence assignment', () => {
  it('numbers the records n+1 … n+k in queue order and moves the room from n to n+k once', () => {
    const messages = [queued(1), queued(2), queued(1)];
    const plan = planRun(7, context(room(41), { 1: state(0), 2: state(0) }), messages);
    expect(sequences(plan)).toEqual([42, 43, 44]);
    expect(plan.records.map((r) => r.queued.taskId)).toEqual(messages.map((m) => m.taskId));
    expect(plan).toMatchObject({ previousSequence: 41, lastSequence: 44 });
    // room + 3 × (message + task); no membership is written: the senders are in the room's recent senders
    expect(plan.items).toBe(1 + 6);
    expect(plan.recordings).toEqual([]);
  });

  it('starts at 1 in a room whose lastSequence was never written, and conditions on its absence', () => {
    const plan = planRun(7, context(room(undefined), { 1: state(0) }), [queued(1), queued(1)]);
    expect(sequences(plan)).toEqual([1, 2]);
    expect(plan.previousSequence).toBeUndefined();
    expect(plan.lastSequence).toBe(2);
    expect(plan.recentSenders).toEqual([1, 1]);
  });

  it('keeps the message as the API accepted it, with its view for the task result', () => {
    const message = queued(1, { text: 'hi there' });
    const [record] = planRun(7, context(room(3), { 1: state(3) }, { 1: 'ada' }), [message]).records;
    expect(record).toMatchObject({
      kind: 'store',
      message: { roomId: 7, sequence: 4, senderId: 1, text: 'hi there', sentAt: message.acceptedAt, taskId: message.taskId },
      view: { id: '7-4', sequence: 4, room: { id: 7, room_name: 'general' }, msg_from: { id: 1, username: 'ada' }, text: 'hi there' },
    });
  });

  it('gives a repeated task (a second copy in the same run) no sequence and no item', () => {
    const first = queued(1);
    const plan = planRun(7, context(room(0), { 1: state(0) }), [first, queued(1), { ...first }]);
    expect(sequences(plan)).toEqual([1, 2, 'repeat']);
    expect(plan.items).toBe(1 + 4);
  });
});

describe('planRun: records that can never be stored', () => {
  it('rejects every record of a room that is gone, with no room update', () => {
    const plan = planRun(7, context(undefined, { 1: state(0) }), [queued(1), queued(1)]);
    expect(plan.records.map((r) => r.kind === 'reject' && r.reason)).toEqual([
      'Room 7 no longer exists; the message was not stored.',
      'Room 7 no longer exists; the message was not stored.',
    ]);
    expect(plan.items).toBe(2);
    expect(plan.recordings).toEqual([]);
    expect(plan.lastSequence).toBeUndefined();
  });

  it('rejects a sender who left or no longer exists without using up a sequence', () => {
    const plan = planRun(7, context(room(10), { 1: state(10), 2: undefined, 3: undefined }, { 2: 'bob', 3: undefined }), [queued(1), queued(2), queued(3), queued(1)]);
    expect(sequences(plan)).toEqual([11, 'reject', 'reject', 12]);
    expect(plan.records[1]).toMatchObject({ reason: 'User bob is no longer a member of room general; the message was not stored.' });
    expect(plan.records[2]).toMatchObject({ reason: 'User 3 no longer exists; the message was not stored.' });
    expect(plan.items).toBe(1 + 4 + 2);
    expect(plan.recentSenders).toEqual([1, 1]);
  });
});

describe('planRun: the split at the transaction item limit', () => {
  it(`plans the longest prefix that fits ${MAX_TRANSACTION_ITEMS} items: 49 records`, () => {
    const messages = Array.from({ length: 60 }, () => queued(1));
    const plan = planRun(7, context(room(0), { 1: state(0) }), messages);
    expect(plan.records).toHaveLength(49); // 1 room + 49 × 2 = 99; a 50th would make 101
    expect(plan.items).toBe(99);
    expect(plan.lastSequence).toBe(49);
  });

  it('33 records when each pushes out a message its sender has not seen (one membership write each)', () => {
    // A full window of 100 different members who never read; each stored message pushes one of theirs out.
    const members = Object.fromEntries(Array.from({ length: RECENT_SENDERS }, (_, i) => [100 + i, state(0)]));
    const plan = planRun(7, context(room(RECENT_SENDERS, fullWindow((i) => 100 + i)), { 1: state(RECENT_SENDERS), ...members }), Array.from({ length: 40 }, () => queued(1)));
    expect(plan.records).toHaveLength(33); // 1 room + 33 × (message + task + membership) = 100
    expect(plan.items).toBe(100);
    expect(plan.recordings.map((r) => r.userId)).toEqual(Array.from({ length: 33 }, (_, i) => 100 + i));
  });

  it('splits at any limit and always plans at least one record', () => {
    const messages = [queued(1), queued(2), queued(1), queued(2)];
    const small = planRun(7, context(room(0), { 1: state(0), 2: state(0) }), messages, 5);
    expect(sequences(small)).toEqual([1, 2]); // 1 + 2 + 2 = 5; the third would add 2
    expect(planRun(7, context(room(0), { 1: state(0), 2: state(0) }), messages, 1).records).toHaveLength(1);
  });
});

describe('planRun: the room’s recent senders and the memberships they spare', () => {
  it(`keeps the senders of the room’s last ${RECENT_SENDERS} messages, oldest first`, () => {
    const plan = planRun(7, context(room(RECENT_SENDERS, fullWindow(() => 0)), { 1: state(0), 2: state(0) }), [queued(1), queued(2)]);
    expect(plan.recentSenders).toHaveLength(RECENT_SENDERS);
    expect(plan.recentSenders.slice(-3)).toEqual([0, 1, 2]);
    expect(plan.recordings).toEqual([]);
  });

  it('forgets a message its sender has seen: no write, and the same for their other seen ones', () => {
    // 5 sent the oldest recent message and 50; they have read up to 60.
    const window = fullWindow((i) => (i === 0 || i === 49 ? 5 : i === 80 ? 6 : 0));
    const plan = planRun(7, context(room(RECENT_SENDERS, window), { 1: state(RECENT_SENDERS), 5: state(60), 6: state(10) }), [queued(1)]);
    expect(plan.recordings).toEqual([]);
    expect(plan.items).toBe(3);
    // 5's message 50 is seen (→ 0); 6's message 81 is not, and stays named.
    expect(plan.recentSenders.filter((sender) => sender !== 0)).toEqual([6, 1]);
  });

  it('lists a message leaving unseen by its sender in their membership, with all their recent ones, on condition of the state read', () => {
    // 5 sent messages 1, 31 and 100 and has read nothing; message 101 pushes 1 out.
    const window = fullWindow((i) => (i === 0 || i === 30 || i === 99 ? 5 : 0));
    const plan = planRun(7, context(room(RECENT_SENDERS, window), { 1: state(RECENT_SENDERS), 5: state(0) }), [queued(1)]);
    expect(plan.recordings).toEqual([{ userId: 5, read: state(0), next: state(0, [1, 31, 100]) }]);
    expect(plan.items).toBe(1 + 2 + 1);
    expect(plan.recentSenders.filter((sender) => sender !== 0)).toEqual([1]);
  });

  it('writes a member once per run however many of their messages leave, including the run’s own', () => {
    const window = fullWindow((i) => (i < 3 ? 5 : 0));
    const plan = planRun(7, context(room(RECENT_SENDERS, window), { 5: state(0) }), [queued(5), queued(5), queued(5)]);
    // 5 sent messages 1–3 and has read nothing; their own 101–103 push those out.
    expect(plan.recordings).toEqual([{ userId: 5, read: state(0), next: state(0, [1, 2, 3, 101, 102, 103]) }]);
    expect(plan.items).toBe(1 + 6 + 1);
    expect(plan.recentSenders.slice(-3)).toEqual([0, 0, 0]);
  });

  it('does nothing for a leaving message whose sender left the room (a member who joins later starts above it)', () => {
    const plan = planRun(7, context(room(RECENT_SENDERS, fullWindow(() => 9)), { 1: state(RECENT_SENDERS), 9: undefined }), [queued(1)]);
    expect(plan.recordings).toEqual([]);
    expect(plan.recentSenders).toEqual([...Array.from({ length: RECENT_SENDERS - 1 }, () => 0), 1]);
  });

  it(`past ${MAX_OWN_AFTER_WATERMARK} listed own messages, the watermark moves through the oldest: posting counts as reading`, () => {
    const listed = Array.from({ length: MAX_OWN_AFTER_WATERMARK }, (_, i) => i + 11);
    const window = fullWindow(() => 5);
    const plan = planRun(7, context(room(RECENT_SENDERS + 200, window), { 1: state(0), 5: state(10, listed) }), [queued(1)]);
    const [recording] = plan.recordings;
    expect(recording!.next.ownAfterWatermark).toHaveLength(MAX_OWN_AFTER_WATERMARK);
    // 100 listed (11–110) + 100 recent (201–300, 201 leaving) = 200 own: the newest 100 are kept and the
    // watermark moves to the newest one dropped, 110.
    expect(recording!.next).toEqual(state(110, Array.from({ length: 100 }, (_, i) => 201 + i)));
  });

  it('a room whose META holds no recent senders (before they existed) pushes nothing out until it has a full window', () => {
    const plan = planRun(7, context(room(5000, []), { 1: state(0) }), [queued(1)]);
    expect(plan.recentSenders).toEqual([1]);
    expect(plan.items).toBe(3);
  });

  it('recentSendersLeaving: the members whose read state a run of n messages may need besides its senders', () => {
    const window = fullWindow((i) => [4, 0, 4, 6, 7][i] ?? 0);
    expect(recentSendersLeaving(room(RECENT_SENDERS, window), 4)).toEqual([4, 6]);
    expect(recentSendersLeaving(room(RECENT_SENDERS, window), 0)).toEqual([]);
    expect(recentSendersLeaving(room(10, [3, 3]), 10)).toEqual([]);
    expect(recentSendersLeaving(undefined, 10)).toEqual([]);
  });

  it('refuses to plan without a read state it needs', () => {
    expect(() => planRun(7, context(room(RECENT_SENDERS, fullWindow(() => 9)), { 1: state(0) }), [queued(1)])).toThrow(/member 9/);
  });
});

/**
 * The riskiest arithmetic of the consumer, against an oracle: a room's history is generated at
 * random (runs of sends by members and non-members, readers marking seen, members leaving and
 * joining again), applied the way the consumer and readers apply their plans (conditions checked),
 * and after every step each member's unread count must equal the oracle's: the messages above their
 * stored watermark that someone else sent.
 */
describe('read state over a room’s whole history (property)', () => {
  type Step =
    | { kind: 'send'; senders: number[] }
    | { kind: 'read'; member: number; fraction: number }
    | { kind: 'leave'; member: number }
    | { kind: 'join'; member: number };
  const USERS = [1, 2, 3, 4, 5, 6];
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), senders: fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 10 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), member: fc.constantFrom(...USERS), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), member: fc.constantFrom(...USERS) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), member: fc.constantFrom(...USERS) }) },
  );

  it('every member’s unread count is exact after every run, read, leave and join; every item stays within its bound', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: MAX_TRANSACTION_ITEMS }), (steps, maxItems) => {
        const history: number[] = []; // history[s - 1]: the sender of message s
        const members = new Map<number, ReadState>(USERS.map((id) => [id, state(0)]));
        let meta: RunRoom = room(0);
        for (const next of steps) {
          if (next.kind === 'send') {
            // What lib/messages/persist.ts reads: the senders' states, then those of the members whose messages may leave.
            const messages = next.senders.map((id) => queued(id));
            const needed = [...new Set([...next.senders, ...recentSendersLeaving(meta, messages.length)])];
            for (let offset = 0; offset < messages.length; ) {
              const plan = planRun(7, context(meta, Object.fromEntries(needed.map((id) => [id, members.get(id)]))), messages.slice(offset), maxItems);
              if (plan.records.length > 1) expect(plan.items).toBeLessThanOrEqual(maxItems);
              for (const { userId, read, next: after } of plan.recordings) {
                expect(members.get(userId)).toEqual(read); // the write's condition holds
                expect(after.ownAfterWatermark.length).toBeLessThanOrEqual(MAX_OWN_AFTER_WATERMARK);
                members.set(userId, after);
              }
              for (const record of plan.records) if (record.kind === 'store') history.push(record.message.senderId);
              meta = { ...meta, lastSequence: plan.lastSequence, recentSenders: plan.recentSenders };
              expect(meta.lastSequence ?? 0).toBe(history.length);
              expect(meta.recentSenders.length).toBeLessThanOrEqual(RECENT_SENDERS);
              offset += plan.records.length;
              // A run planned from a stale read would be refused by its conditions; plan the rest from the new state.
              needed.splice(0, needed.length, ...new Set([...next.senders, ...recentSendersLeaving(meta, messages.length - offset)]));
            }
          } else if (next.kind === 'read') {
            const member = members.get(next.member);
            if (member) {
              const upTo = Math.floor(next.fraction * history.length);
              const after = advancedReadState(member, upTo);
              if (after) members.set(next.member, after);
            }
          } else if (next.kind === 'leave') {
            members.delete(next.member);
          } else if (!members.has(next.member)) {
            members.set(next.member, state(history.length));
          }

          const lastSequence = history.length;
          for (const [userId, member] of members) {
            const expected = history.filter((sender, i) => i + 1 > member.lastSeenSequence && sender !== userId).length;
            expect(unreadCount({ lastSequence, recentSenders: meta.recentSenders }, { userId, ...member })).toBe(expected);
            const through = seenThrough({ lastSequence, recentSenders: meta.recentSenders }, { userId, ...member });
            expect(history.slice(member.lastSeenSequence, through).every((sender) => sender === userId)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
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
