import { notFound } from '../errors.ts';
import { getTask } from '../repository/tasks.ts';
import { isExpired, toTaskStatus, type TaskStatus } from './model.ts';

/**
 * A task's state. `viewerId` (token mode) must be the task's sender: anyone else gets the same 404
 * as for an unknown id. In query mode, as in the seed, the task id alone is enough.
 */
export async function getTaskStatus(taskId: string, viewerId?: number): Promise<TaskStatus> {
  const task = await getTask(taskId);
  if (!task || isExpired(task) || (viewerId !== undefined && task.request.senderId !== viewerId)) throw notFound(`Task ${taskId}`);
  return toTaskStatus(task);
}
