import * as z from 'zod/mini';
import { idText, text } from '../http/fields.ts';
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

export const roomMembersQuery = z.object({
  include: z.optional(z.literal('past', { error: 'The only accepted value is "past".' })),
});
