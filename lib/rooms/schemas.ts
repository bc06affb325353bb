import * as z from 'zod/mini';
import { idText, integerText, text } from '../http/fields.ts';
import { MAX_INITIAL_MEMBERS } from './model.ts';

/** The creator may be one more initial member than the list names. */
export const MAX_ROOM_MEMBER_ENTRIES = MAX_INITIAL_MEMBERS - 1;

export const roomIdPath = z.object({ id: idText });

export const createRoomBody = z.object({
  room_name: text(255),
  room_member: z.optional(
    z.array(z.object({ username: text(150) })).check(
      z.maxLength(MAX_ROOM_MEMBER_ENTRIES, `Ensure this list has no more than ${MAX_ROOM_MEMBER_ENTRIES} members; others can join later.`),
    ),
  ),
});
export type CreateRoomInput = z.output<typeof createRoomBody>;

/** Members per page of GET /chat/chatroom/:id/members/ (and history events, with include=past), as for message pages. */
export const MAX_MEMBERS_PAGE = 100;
export const DEFAULT_MEMBERS_PAGE = 50;

export const roomMembersQuery = z.pipe(
  z.object({
    include: z.optional(z.literal('past', { error: 'The only accepted value is "past".' })),
    limit: z.optional(integerText(1, MAX_MEMBERS_PAGE, `Must be a whole number from 1 to ${MAX_MEMBERS_PAGE}.`)),
    after: z.optional(integerText(0, Number.MAX_SAFE_INTEGER, 'Must be a user id (the page.next of the previous page) or 0.')),
    history_after: z.optional(
      z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#\d{12}#(joined|left)$/, 'Must be the page.history_next of the previous page.')),
    ),
  }),
  z.transform(({ limit, ...rest }) => ({ ...rest, limit: limit ?? DEFAULT_MEMBERS_PAGE })),
);
export type RoomMembersQuery = z.output<typeof roomMembersQuery>;
