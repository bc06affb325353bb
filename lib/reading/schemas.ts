import * as z from 'zod/mini';
import { idNumber, idText, integerText } from '../http/fields.ts';
import { messageResponse } from '../messages/schemas.ts';
import { roomWithMembersResponse } from '../rooms/schemas.ts';
import { MAX_SEQUENCE } from '../repository/keys.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page.ts';

/** The longest a long poll of unseen messages may wait, in seconds (API Gateway stops at 30). */
export const MAX_WAIT_SECONDS = 20;

export const roomMessagesPath = z.object({ room_id: idText });

/** `?limit=&before=&after=&seen_by=` of a history page; both cursors are message sequences. */
export const roomMessagesQuery = z.pipe(
  z.object({
    limit: z.optional(integerText(1, MAX_PAGE_SIZE, `Must be a whole number from 1 to ${MAX_PAGE_SIZE}.`)),
    before: z.optional(integerText(1, MAX_SEQUENCE, 'Must be a message sequence (a positive whole number).')),
    after: z.optional(integerText(0, MAX_SEQUENCE, 'Must be a message sequence or 0 (a whole number).')),
    seen_by: z.optional(z.enum(['1', 'true', '0', 'false'], { error: 'Must be 1, true, 0 or false.' })),
  }),
  z.transform(({ limit, before, after, seen_by }) => ({
    page: { limit: limit ?? DEFAULT_PAGE_SIZE, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) },
    seenBy: seen_by === '1' || seen_by === 'true',
  })),
);
export type RoomMessagesQuery = z.output<typeof roomMessagesQuery>;

/** `?wait=` of the unseen messages: a long poll of up to MAX_WAIT_SECONDS seconds (0: answer at once). */
export const unseenQuery = z.pipe(
  z.object({
    wait: z.optional(integerText(0, MAX_WAIT_SECONDS, `Must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}.`)),
  }),
  z.transform(({ wait }) => ({ waitSeconds: wait ?? 0 })),
);

// Answers.

const readerName = z.object({ id: idNumber, username: z.nullable(z.string()) });

/** A message as read (lib/reading/model.ts ReadMessage): the sender's username is null once deleted. */
export const readMessageResponse = z
  .object({ ...messageResponse.def.shape, msg_from: readerName, seen_by: z.optional(z.array(readerName)) })
  .register(z.globalRegistry, { id: 'ReadMessage', description: 'A message as read; seen_by (with seen_by=1) lists the members who have seen it.' });

export const pageResponse = z
  .object({
    limit: z.int().check(z.gte(1), z.lte(MAX_PAGE_SIZE)),
    prev: z.nullable(z.int().check(z.gte(1))),
    next: z.nullable(z.int().check(z.gte(0))),
    has_more_before: z.boolean(),
    has_more_after: z.boolean(),
  })
  .register(z.globalRegistry, { id: 'Page', description: 'The cursors of a page: pass prev as before=, next as after=; null when nothing is there.' });

export const roomMessagesResponse = z
  .object({ ...roomWithMembersResponse.def.shape, messages: z.array(readMessageResponse), page: pageResponse })
  .register(z.globalRegistry, { id: 'RoomMessages', description: 'A room, one page of its messages (oldest first) and the page’s cursors.' });

export const unseenRoomResponse = z
  .object({ ...roomWithMembersResponse.def.shape, messages: z.array(readMessageResponse), has_more: z.boolean() })
  .register(z.globalRegistry, { id: 'UnseenRoom', description: 'A room of the user with the messages they had not seen (now marked seen); has_more: more than this answer holds.' });

export const unseenRoomsResponse = z.array(unseenRoomResponse).register(z.globalRegistry, { id: 'UnseenRooms', description: 'Every room of the user, each with the messages they had not seen.' });
