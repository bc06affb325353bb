/**
 * The answers of the reading endpoints, as the OpenAPI document describes them (lib/routes.ts
 * names them; test/support/contract.ts checks every answer of the tests against them). Beside
 * schemas.ts rather than in it: handlers import the request schemas, and no bundle needs these.
 */
import * as z from 'zod/mini';
import { idNumber } from '../openapi/schemas.ts';
import { messageResponse } from '../messages/answers.ts';
import { roomWithMembersResponse } from '../rooms/answers.ts';
import { MAX_PAGE_SIZE } from './page.ts';

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
