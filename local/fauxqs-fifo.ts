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
 * message (visibility, receive count, dead-lettering), this only repeats it. A group with messages
 * in flight from an earlier receive stays locked, as on SQS.
 *
 * fauxqs puts a message whose visibility ends back at the FRONT of its group, one at a time: with
 * several messages of a group in flight (which it never had before) that would reverse their
 * order. So each message taken is tagged with the order it was taken in, and after fauxqs puts
 * messages back, the group's front run of such messages is put back in that order.
 *
 * If the pinned fauxqs's internals ever differ, nothing is patched and the caller is told.
 */

interface FifoMessage {
  messageGroupId?: string;
  [TAKEN]?: number;
}

interface FauxqsQueue {
  isFifo(): boolean;
  attributes: Record<string, string>;
  inflightMessages: Map<string, { message: FifoMessage }>;
  fifoLockedGroups: Map<string, number>;
  fifoMessages: Map<string, FifoMessage[]>;
  dequeueFifo(maxCount: number, visibilityTimeoutOverride?: number, dlqResolver?: unknown): { ReceiptHandle: string }[];
  processTimers(): void;
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
}

const PATCHED = Symbol.for('chat-serverless.fauxqs.fifoGroupBatches');
const TAKEN = Symbol.for('chat-serverless.fauxqs.takenOrder');
const DEFAULT_GROUP = '__default';
const MAX_BATCH = 10;
let takenCounter = 0;

/** Patches fauxqs's FIFO receive (idempotent); false when fauxqs is not shaped as expected. */
export async function receiveFifoGroupsLikeSqs(): Promise<boolean> {
  // The store module is not in fauxqs's package exports; by file URL it is the same module instance
  // as the one fauxqs itself imports.
  const storeUrl = new URL('../node_modules/fauxqs/dist/sqs/sqsStore.js', import.meta.url);
  let SqsQueue: { prototype: FauxqsQueue & { [PATCHED]?: true } } | undefined;
  try {
    ({ SqsQueue } = (await import(storeUrl.href)) as { SqsQueue?: typeof SqsQueue });
  } catch {
    return false;
  }
  const proto = SqsQueue?.prototype;
  if (!proto || ![proto.dequeueFifo, proto.processTimers, proto.changeVisibility, proto.isFifo].every((f) => typeof f === 'function')) return false;
  if (proto[PATCHED]) return true;
  const { dequeueFifo: receiveOncePerGroup, processTimers, changeVisibility } = proto;
  const shaped = (queue: FauxqsQueue) =>
    queue.inflightMessages instanceof Map && queue.fifoLockedGroups instanceof Map && queue.fifoMessages instanceof Map;

  proto.dequeueFifo = function (this: FauxqsQueue, maxCount, visibilityTimeoutOverride, dlqResolver) {
    const count = Math.min(maxCount, MAX_BATCH);
    const taken = receiveOncePerGroup.call(this, count, visibilityTimeoutOverride, dlqResolver);
    // Received with visibility 0, a message is visible again at once: fauxqs would hand it out twice.
    const visibility = visibilityTimeoutOverride ?? Number(this.attributes?.VisibilityTimeout);
    if (!shaped(this) || !(visibility > 0)) return taken;
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
    for (const { ReceiptHandle } of taken) {
      const message = this.inflightMessages.get(ReceiptHandle)?.message;
      if (message) message[TAKEN] = ++takenCounter;
    }
    return taken;
  };

  /** The group's front run of messages put back after being taken, in the order they were taken. */
  const reorderFront = (queue: FauxqsQueue, group: string) => {
    const messages = queue.fifoMessages.get(group);
    if (!messages) return;
    let end = 0;
    while (end < messages.length && messages[end]![TAKEN] !== undefined) end++;
    if (end > 1) messages.splice(0, end, ...messages.slice(0, end).sort((a, b) => a[TAKEN]! - b[TAKEN]!));
  };

  proto.processTimers = function (this: FauxqsQueue) {
    if (!this.isFifo() || !shaped(this)) return processTimers.call(this);
    const inflight = [...this.inflightMessages];
    processTimers.call(this);
    const released = new Set(inflight.filter(([handle]) => !this.inflightMessages.has(handle)).map(([, { message }]) => message.messageGroupId ?? DEFAULT_GROUP));
    for (const group of released) reorderFront(this, group);
  };

  proto.changeVisibility = function (this: FauxqsQueue, receiptHandle, timeoutSeconds) {
    const group = this.inflightMessages.get(receiptHandle)?.message.messageGroupId;
    changeVisibility.call(this, receiptHandle, timeoutSeconds);
    if (timeoutSeconds === 0 && group !== undefined && this.isFifo() && shaped(this)) reorderFront(this, group);
  };

  proto[PATCHED] = true;
  return true;
}
