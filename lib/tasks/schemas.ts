import * as z from 'zod/mini';

/** Task ids are UUIDs (crypto.randomUUID, lower case); any case is accepted and normalised. */
export const taskId = z.pipe(
  z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Must be a task id (a UUID).')),
  z.transform((id) => id.toLowerCase()),
);

export const taskIdPath = z.object({ task_id: taskId });
