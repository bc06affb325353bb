import { describe, expect, it } from 'vitest';
import definitions from '../../infra/definitions.json' with { type: 'json' };
import { isExpired, newTask, TASK_STATES, TASK_TTL_SECONDS, taskExpiry, UNFINISHED_STATES } from '../../lib/tasks/model.ts';

describe('task lifetime and states', () => {
  it('a task outlives its message’s longest stay: the message queue’s retention, then the dead-letter queue’s', () => {
    const stay = definitions.messageQueue.MessageRetentionPeriod + definitions.deadLetterQueue.MessageRetentionPeriod;
    expect(TASK_TTL_SECONDS).toBeGreaterThan(stay);
    const sent = new Date('2026-12-01T10:00:00Z');
    const task = newTask({ roomId: 1, senderId: 1 }, sent);
    expect(isExpired(task, new Date(sent.getTime() + stay * 1000))).toBe(false);
    expect(isExpired(task, new Date(sent.getTime() + TASK_TTL_SECONDS * 1000))).toBe(true);
  });

  it('going RETRY starts the lifetime again (a redrive must still find the task)', () => {
    const deadLettered = new Date('2026-12-18T10:00:00Z');
    expect(taskExpiry(deadLettered)).toBe(Math.floor(deadLettered.getTime() / 1000) + TASK_TTL_SECONDS);
  });

  it('RETRY is a state a client reads and a task can still leave; SUCCESS and FAILURE are final', () => {
    expect(TASK_STATES).toContain('RETRY');
    expect(UNFINISHED_STATES).toEqual(['PENDING', 'STARTED', 'RETRY']);
  });
});
