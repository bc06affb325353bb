/**
 * An own message from "Send" to "sent" (or "failed", with a retry): the optimistic send state
 * machine. Pure: the caller performs the requests and feeds their outcomes in as events.
 *
 * The Idempotency-Key decides what a retry means. While the API may or may not have taken the
 * send (a network error, a 5xx such as the queue being down, a 429), a retry reuses the key: the
 * API then replays the first task instead of queuing a second copy. Once the task itself ended in
 * FAILURE the key is bound to that failed task — reusing it would replay the failure — so a
 * retry takes a new key.
 */

export type OutboxStatus = 'sending' | 'queued' | 'sent' | 'failed';

export interface OutboxEntry {
  /** Stable id for the UI (the first key). */
  localId: string;
  /** Where it goes: a group room, or a user (a direct message, whose room may not exist yet). */
  target: { kind: 'room'; roomId: number } | { kind: 'user'; userId: number };
  text: string;
  /** The Idempotency-Key of the current attempt. */
  key: string;
  status: OutboxStatus;
  attempts: number;
  taskId?: string;
  /** The stored message's room and sequence, once the task succeeded. */
  sequence?: number;
  roomId?: number;
  /** Why it failed (the problem+json `detail`, or the task's reason). */
  detail?: string;
  /** Whether a retry may reuse `key` (see above). */
  keyReusable?: boolean;
}

export type OutboxEvent =
  | { type: 'accepted'; taskId: string }
  /** The API answered with an error; `status` 0 for a network failure (no answer). */
  | { type: 'rejected'; status: number; detail: string }
  | { type: 'task-succeeded'; roomId: number; sequence: number }
  | { type: 'task-failed'; detail: string }
  /** Task polling gave up without an answer: as unsure as a network error. */
  | { type: 'unconfirmed'; detail: string }
  | { type: 'retry' };

export function newEntry(target: OutboxEntry['target'], text: string, key: string): OutboxEntry {
  return { localId: key, target, text, key, status: 'sending', attempts: 1 };
}

/** The entry after `event`; an event that does not apply in the current state changes nothing. */
export function transition(entry: OutboxEntry, event: OutboxEvent, newKey: () => string): OutboxEntry {
  switch (entry.status) {
    case 'sending':
      if (event.type === 'accepted') return { ...entry, status: 'queued', taskId: event.taskId };
      if (event.type === 'rejected') return { ...entry, status: 'failed', detail: event.detail, keyReusable: true };
      return entry;
    case 'queued':
      if (event.type === 'task-succeeded') return { ...entry, status: 'sent', roomId: event.roomId, sequence: event.sequence };
      if (event.type === 'task-failed') return { ...entry, status: 'failed', detail: event.detail, keyReusable: false };
      if (event.type === 'unconfirmed') return { ...entry, status: 'failed', detail: event.detail, keyReusable: true };
      return entry;
    case 'failed':
      if (event.type !== 'retry') return entry;
      return {
        ...entry,
        status: 'sending',
        attempts: entry.attempts + 1,
        key: entry.keyReusable ? entry.key : newKey(),
        taskId: undefined,
        detail: undefined,
        keyReusable: undefined,
      };
    case 'sent':
      return entry;
  }
}

/**
 * The outbox entries a conversation still shows beside `held` (its messages). An entry whose
 * stored message is held is shown as that message. So is a queued entry whose message arrived
 * before its task said so (a socket frame can beat the task poll): an own held message with the
 * same text that no sent entry accounts for stands for one such entry, oldest first — the API's
 * message view carries no client key to match on.
 */
export function pendingShown(
  entries: readonly OutboxEntry[],
  held: readonly { sequence: number; text: string; msg_from: { id: number } }[],
  me: number,
): OutboxEntry[] {
  const heldSequences = new Set(held.map((m) => m.sequence));
  const claimed = new Set(entries.flatMap((e) => (e.sequence === undefined ? [] : [e.sequence])));
  const unclaimed = new Map<string, number>();
  for (const m of held) if (m.msg_from.id === me && !claimed.has(m.sequence)) unclaimed.set(m.text, (unclaimed.get(m.text) ?? 0) + 1);
  return entries.filter((entry) => {
    if (entry.sequence !== undefined && heldSequences.has(entry.sequence)) return false;
    const spare = unclaimed.get(entry.text) ?? 0;
    if (entry.status === 'queued' && spare > 0) {
      unclaimed.set(entry.text, spare - 1);
      return false;
    }
    return true;
  });
}
