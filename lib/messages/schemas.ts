import * as z from 'zod/mini';
import type { AuthMode } from '../auth/mode.ts';
import { idNumber, idText, idValue, text, timestamp } from '../http/fields.ts';
import { roomSummaryResponse } from '../rooms/schemas.ts';
import { taskId } from '../tasks/schemas.ts';
import { codePoints, MAX_MESSAGE_CHARACTERS } from './model.ts';

/** DRF CharField semantics (numbers become text, trimmed, not blank), counted in code points. */
const messageText = text(Number.POSITIVE_INFINITY).check(
  z.refine((value) => codePoints(value) <= MAX_MESSAGE_CHARACTERS, `Ensure this field has no more than ${MAX_MESSAGE_CHARACTERS} characters.`),
).register(z.globalRegistry, {
  description: `Text of at most ${MAX_MESSAGE_CHARACTERS} characters (code points) once surrounding whitespace is trimmed, not blank.`,
});

/** Query mode (the seed's): `from` names the sender. */
const queryModeSendBody = z.object({ from: idValue, text: messageText });
/** Token mode: the sender is the token's user; `from` may be left out (lib/http/actor.ts checks it). */
const tokenModeSendBody = z.object({ from: z.optional(idValue), text: messageText });

export const sendMessageBody = (mode: AuthMode) => (mode === 'token' ? tokenModeSendBody : queryModeSendBody);
/** The body the OpenAPI document describes for both modes: `from` optional, query mode's 400 without it documented. */
export const sendMessageBodyOfEitherMode = tokenModeSendBody;
/** What the service is given: `from` resolved to the acting sender. */
export type SendMessageBody = z.output<typeof queryModeSendBody>;

export const directMessagePath = z.object({ user_id: idText });
export const groupMessagePath = z.object({ room_id: idText });

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** An optional `Idempotency-Key` header: 1..128 characters from [A-Za-z0-9_.:-]. */
export const sendMessageHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'Must be 1 to 128 characters from A-Z, a-z, 0-9, "_", ".", ":" and "-".')),
  ),
});
export type SendMessageHeaders = z.output<typeof sendMessageHeaders>;

const positiveId = z.int().check(z.positive());

/** A queue message body, as the consumer parses it. */
export const queuedMessage = z.object({
  taskId,
  roomId: positiveId,
  senderId: positiveId,
  text: z.string().check(z.minLength(1)),
  acceptedAt: z.iso.datetime(),
  clientKey: z.optional(z.string()),
});

// Answers.

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
    z.object({ state: z.literal('SUCCESS'), result: messageResponse }),
    z.object({ state: z.literal('FAILURE'), result: z.string() }),
  ])
  .register(z.globalRegistry, { id: 'TaskStatus', description: 'What became of a send: SUCCESS carries the stored message, FAILURE the reason.' });
