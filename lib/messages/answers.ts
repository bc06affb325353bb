/**
 * The answers of the message endpoints, as the OpenAPI document describes them (lib/routes.ts
 * names them; test/support/contract.ts checks every answer of the tests against them). Beside
 * schemas.ts rather than in it: handlers import the request schemas, and no bundle needs these.
 */
import * as z from 'zod/mini';
import { idNumber, timestamp } from '../openapi/schemas.ts';
import { roomSummaryResponse } from '../rooms/answers.ts';
import { TASK_STATE_MEANINGS } from '../tasks/schemas.ts';

/** A stored message (lib/messages/model.ts MessageView): the seed's shape plus the room sequence. */
export const messageResponse = z
  .object({
    id: z.string(),
    sequence: z.int().check(z.gte(1)),
    room: roomSummaryResponse,
    msg_from: z.object({ id: idNumber, username: z.string() }),
    text: z.string(),
    sent_at: timestamp,
  })
  .register(z.globalRegistry, { id: 'Message', description: 'A stored message: id "<room id>-<sequence>", and the room’s contiguous sequence number.' });

/** What a send answers as `data`: the id of the task that stores the message. */
export const taskIdResponse = z.uuid().register(z.globalRegistry, { id: 'TaskId', description: 'The task of the send: GET /chat/task_state/{task_id} tells what became of it.' });

/** GET /chat/task_state/:task_id (not enveloped, as in the seed): PENDING and STARTED have no result yet. */
export const taskStatusResponse = z
  .discriminatedUnion('state', [
    z.object({ state: z.enum(['PENDING', 'STARTED']), result: z.null() }),
    z.object({ state: z.literal('RETRY'), result: z.string() }),
    z.object({ state: z.literal('SUCCESS'), result: messageResponse }),
    z.object({ state: z.literal('FAILURE'), result: z.string() }),
  ])
  .register(z.globalRegistry, {
    id: 'TaskStatus',
    description: `What became of a send. ${Object.entries(TASK_STATE_MEANINGS)
      .map(([state, meaning]) => `${state}: ${meaning}.`)
      .join(' ')}`,
  });
