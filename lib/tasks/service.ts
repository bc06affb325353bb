import { notFound } from '../errors.ts';
import { getTask } from '../repository/tasks.ts';
import { isExpired, toTaskStatus, type TaskStatus } from './model.ts';

export async function getTaskStatus(taskId: string): Promise<TaskStatus> {
  const task = await getTask(taskId);
  if (!task || isExpired(task)) throw notFound(`Task ${taskId}`);
  return toTaskStatus(task);
}
