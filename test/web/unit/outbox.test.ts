import { describe, expect, it } from 'vitest';
import { newEntry, pendingShown, transition, type OutboxEntry, type OutboxEvent } from '../../../web/src/logic/outbox.ts';

let keys = 0;
const newKey = () => `key-${++keys}`;
const start = () => newEntry({ kind: 'room', roomId: 3 }, 'hello', 'key-0');
const run = (entry: OutboxEntry, ...events: OutboxEvent[]) => events.reduce((e, event) => transition(e, event, newKey), entry);

describe('the optimistic send state machine', () => {
  it('goes sending → queued → sent with the stored message’s place', () => {
    const sent = run(start(), { type: 'accepted', taskId: 't1' }, { type: 'task-succeeded', roomId: 3, sequence: 41 });
    expect(sent).toMatchObject({ status: 'sent', taskId: 't1', roomId: 3, sequence: 41, key: 'key-0', attempts: 1 });
  });

  it('a failure before the task exists (queue down: 503) retries with the same key', () => {
    const failed = run(start(), { type: 'rejected', status: 503, detail: 'The message could not be queued, so it was not sent. Try again.' });
    expect(failed).toMatchObject({ status: 'failed', keyReusable: true, detail: expect.stringContaining('could not be queued') });
    const retried = run(failed, { type: 'retry' });
    expect(retried).toMatchObject({ status: 'sending', key: 'key-0', attempts: 2, detail: undefined });
  });

  it('no answer at all (status 0) also keeps the key: the API replays a send it did take', () => {
    const retried = run(start(), { type: 'rejected', status: 0, detail: 'unreachable' }, { type: 'retry' });
    expect(retried.key).toBe('key-0');
  });

  it('a task that ended in FAILURE is retried under a new key (the old one replays the failure)', () => {
    const failed = run(start(), { type: 'accepted', taskId: 't1' }, { type: 'task-failed', detail: 'user_2 left the room' });
    expect(failed).toMatchObject({ status: 'failed', keyReusable: false, detail: 'user_2 left the room' });
    const retried = run(failed, { type: 'retry' });
    expect(retried.status).toBe('sending');
    expect(retried.key).not.toBe('key-0');
    expect(retried.taskId).toBeUndefined();
  });

  it('a task never confirmed keeps its key, so checking again cannot send twice', () => {
    const retried = run(start(), { type: 'accepted', taskId: 't1' }, { type: 'unconfirmed', detail: 'no answer' }, { type: 'retry' });
    expect(retried).toMatchObject({ status: 'sending', key: 'key-0' });
  });

  it('ignores events that do not apply in the current state', () => {
    const entry = start();
    expect(transition(entry, { type: 'task-succeeded', roomId: 3, sequence: 1 }, newKey)).toBe(entry);
    expect(transition(entry, { type: 'retry' }, newKey)).toBe(entry);
    const sent = run(entry, { type: 'accepted', taskId: 't' }, { type: 'task-succeeded', roomId: 3, sequence: 2 });
    for (const event of [{ type: 'retry' }, { type: 'task-failed', detail: 'x' }, { type: 'rejected', status: 500, detail: 'x' }] as OutboxEvent[]) {
      expect(transition(sent, event, newKey)).toBe(sent);
    }
    const queued = run(entry, { type: 'accepted', taskId: 't' });
    expect(transition(queued, { type: 'accepted', taskId: 'other' }, newKey)).toBe(queued);
  });
});

describe('pendingShown', () => {
  const me = 7;
  const own = (sequence: number, text: string) => ({ sequence, text, msg_from: { id: me } });
  const entry = (key: string, text: string, ...events: OutboxEvent[]) => run(newEntry({ kind: 'room', roomId: 3 }, text, key), ...events);
  const queued = (key: string, text: string) => entry(key, text, { type: 'accepted', taskId: `t-${key}` });
  const sent = (key: string, text: string, sequence: number) => entry(key, text, { type: 'accepted', taskId: `t-${key}` }, { type: 'task-succeeded', roomId: 3, sequence });

  it('hides an entry once its stored message is held', () => {
    expect(pendingShown([sent('a', 'hi', 4)], [own(4, 'hi')], me)).toEqual([]);
    expect(pendingShown([sent('a', 'hi', 4)], [], me)).toHaveLength(1);
  });

  it('hides a queued entry whose message a frame brought before its task answered, one per held message', () => {
    const entries = [queued('a', 'hi'), queued('b', 'hi')];
    expect(pendingShown(entries, [own(4, 'hi')], me).map((e) => e.localId)).toEqual(['b']);
    expect(pendingShown(entries, [own(4, 'hi'), own(5, 'hi')], me)).toEqual([]);
  });

  it('does not let a held message stand for two entries, nor someone else’s message for mine', () => {
    // 4 is accounted for by the sent entry: it cannot also hide the queued one.
    expect(pendingShown([sent('a', 'hi', 4), queued('b', 'hi')], [own(4, 'hi')], me).map((e) => e.localId)).toEqual(['b']);
    expect(pendingShown([queued('a', 'hi')], [{ sequence: 4, text: 'hi', msg_from: { id: 8 } }], me)).toHaveLength(1);
    // A failed or sending entry stays visible: it has something to say.
    expect(pendingShown([entry('c', 'hi')], [own(4, 'hi')], me)).toHaveLength(1);
  });
});
