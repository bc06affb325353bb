import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { taskIdPath } from '../lib/tasks/schemas.ts';
import { getTaskStatus } from '../lib/tasks/service.ts';

export const handler = httpHandler(async ({ path, auth }) => ok(await getTaskStatus(parse(taskIdPath, path, 'path').task_id, auth?.userId)));
