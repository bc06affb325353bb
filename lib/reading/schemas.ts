import * as z from 'zod/mini';
import { idText, integerText } from '../http/fields.ts';
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
