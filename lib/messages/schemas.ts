import * as z from 'zod/mini';
import type { AuthMode } from '../auth/mode.ts';
import { idText, idValue, text } from '../http/fields.ts';
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
