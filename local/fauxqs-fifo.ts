/**
 * fauxqs (2.4.1, the newest on the npm registry; its main branch does the same as of 2026-12)
 * returns at most ONE message per FIFO group per ReceiveMessage. SQS returns as many messages of a
 * group as it can ("When you specify a MaxNumberOfMessages parameter in the ReceiveMessage API call,
 * SQS returns as many messages with the same message group ID as possible": AWS Knowledge Center,
 * sqs-fifo-messages-not-returned), and that is what lets the consumer store a busy room's messages
 * ten at a time in one transaction (docs/messages.md). Without this, no local batch would ever hold
 * two messages of one room.
 *
 * receiveFifoGroupsLikeSqs() makes fauxqs do the same, in this process (where the local stack runs
 * it): after fauxqs's own FIFO receive, the groups that receive locked are unlocked and received
 * from again, while they have messages ready and the batch has room — fauxqs's own code takes each
 * message (visibility, receive count, dead-lettering), this only repeats it. Per-group order is
 * kept; a group with messages in flight from an earlier receive stays locked, as on SQS. If the
 * pinned fauxqs's internals ever differ, nothing is patched and the caller is told.
 */

interface FifoMessage {
  messageGroupId?: string;
}

interface FauxqsFifoQueue {
  inflightMessages: Map<string, { message: FifoMessage }>;
  fifoLockedGroups: Map<string, number>;
  fifoMessages: Map<string, unknown[]>;
  dequeueFifo(maxCount: number, visibilityTimeoutOverride?: number, dlqResolver?: unknown): { ReceiptHandle: string }[];
}

const PATCHED = Symbol.for('chat-serverless.fauxqs.fifoGroupBatches');
const MAX_BATCH = 10;

/** Patches fauxqs's FIFO receive (idempotent); false when fauxqs is not shaped as expected. */
export async function receiveFifoGroupsLikeSqs(): Promise<boolean> {
  // The store module is not in fauxqs's package exports; by file URL it is the same module instance
  // as the one fauxqs itself imports.
  const storeUrl = new URL('../node_modules/fauxqs/dist/sqs/sqsStore.js', import.meta.url);
  let SqsQueue: { prototype: FauxqsFifoQueue & { [PATCHED]?: true } } | undefined;
  try {
    ({ SqsQueue } = (await import(storeUrl.href)) as { SqsQueue?: typeof SqsQueue });
  } catch {
    return false;
  }
  const proto = SqsQueue?.prototype;
  if (!proto || typeof proto.dequeueFifo !== 'function') return false;
  if (proto[PATCHED]) return true;
  const receiveOncePerGroup = proto.dequeueFifo;

  proto.dequeueFifo = function (this: FauxqsFifoQueue, maxCount, visibilityTimeoutOverride, dlqResolver) {
    const count = Math.min(maxCount, MAX_BATCH);
    const taken = receiveOncePerGroup.call(this, count, visibilityTimeoutOverride, dlqResolver);
    if (!(this.inflightMessages instanceof Map && this.fifoLockedGroups instanceof Map && this.fifoMessages instanceof Map)) return taken;
    for (let round = 0; taken.length < count && round < MAX_BATCH; round++) {
      const takenByGroup = new Map<string, number>();
      for (const { ReceiptHandle } of taken) {
        const group = this.inflightMessages.get(ReceiptHandle)?.message.messageGroupId;
        if (group !== undefined) takenByGroup.set(group, (takenByGroup.get(group) ?? 0) + 1);
      }
      // Only groups locked by this very receive, with messages still ready.
      const more = [...takenByGroup].filter(([group, n]) => this.fifoLockedGroups.get(group) === n && (this.fifoMessages.get(group)?.length ?? 0) > 0);
      if (more.length === 0) break;
      for (const [group] of more) this.fifoLockedGroups.delete(group);
      const next = receiveOncePerGroup.call(this, count - taken.length, visibilityTimeoutOverride, dlqResolver);
      for (const [group, n] of more) this.fifoLockedGroups.set(group, n + (this.fifoLockedGroups.get(group) ?? 0));
      if (next.length === 0) break;
      taken.push(...next);
    }
    return taken;
  };
  proto[PATCHED] = true;
  return true;
}
