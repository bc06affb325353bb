import { describe, expect, it } from 'vitest';
import { handler as taskState } from '../../functions/task-state.ts';
import { insertTask } from '../../lib/repository/tasks.ts';
import { newTask } from '../../lib/tasks/model.ts';
import { invoke } from '../support/lambda.ts';

const state = (taskId: string) =>
  invoke(taskState, { method: 'GET', path: `/chat/task_state/${taskId}`, pathParameters: { task_id: taskId } });

describe('GET /chat/task_state/:task_id', () => {
  it('answers a task that is not finished as {state, result: null}, not enveloped', async () => {
    const task = newTask({ roomId: 1, senderId: 1 });
    await insertTask(task);
    const answer = await state(task.id);
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual({ state: 'PENDING', result: null });
  });

  it('accepts the id in upper case', async () => {
    const task = newTask({ roomId: 1, senderId: 1 });
    await insertTask(task);
    expect((await state(task.id.toUpperCase())).body).toEqual({ state: 'PENDING', result: null });
  });

  it('answers 404 to an unknown id', async () => {
    const answer = await state('a487117c-d31b-45b0-ae3c-28126b0f3ec2');
    expect(answer.status).toBe(404);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers 404 to a task past its expiry that TTL has not removed yet', async () => {
    const task = { ...newTask({ roomId: 1, senderId: 1 }), expiresAt: Math.floor(Date.now() / 1000) - 1 };
    await insertTask(task);
    expect((await state(task.id)).status).toBe(404);
  });

  it.each(['abc', '1', 'a487117c-d31b-45b0-ae3c-28126b0f3ec', 'a487117c-d31b-45b0-ae3c-28126b0f3ec2x', 'g487117c-d31b-45b0-ae3c-28126b0f3ec2', 'a487117cd31b45b0ae3c28126b0f3ec2'])(
    'answers 400 to the malformed id %s',
    async (id) => {
      const answer = await state(id);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'validation_failed', errors: { task_id: [expect.any(String)] } });
    },
  );
});
