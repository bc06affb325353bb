/**
 * The answers of the room endpoints, as the OpenAPI document describes them (lib/routes.ts
 * names them; test/support/contract.ts checks every answer of the tests against them). Beside
 * schemas.ts rather than in it: handlers import the request schemas, and no bundle needs these.
 */
import * as z from 'zod/mini';
import { idNumber, timestamp } from '../openapi/schemas.ts';
import { MAX_LISTED_MEMBERS } from './model.ts';
import { MAX_MEMBERS_PAGE } from './schemas.ts';

export const roomSummaryResponse = z
  .object({ id: idNumber, room_name: z.string() })
  .register(z.globalRegistry, { id: 'RoomSummary', description: 'A room as anonymous readers see it (the seed’s group-room view).' });

const memberCount = z.int().check(z.gte(0));

export const roomWithMembersResponse = z
  .object({
    id: idNumber,
    room_name: z.string(),
    room_member: z.array(z.object({ username: z.string() })).check(z.maxLength(MAX_LISTED_MEMBERS)),
    member_count: memberCount,
    is_direct: z.boolean().register(z.globalRegistry, { description: 'A direct room (of two users, made by POST /chat/user/{user_id}/; send to it there), not a group room.' }),
    direct_peer: z.nullable(idNumber).register(z.globalRegistry, {
      description: 'A direct room: the id of the other user (POST /chat/user/{user_id}/ sends to them); null for a group room.',
    }),
  })
  .register(z.globalRegistry, {
    id: 'RoomWithMembers',
    description: `A room with its current members: all of them up to ${MAX_LISTED_MEMBERS}, else ${MAX_LISTED_MEMBERS} of them (GET /chat/chatroom/{id}/members/ pages through all); member_count says how many there are.`,
  });

export const myRoomResponse = z
  .object({ ...roomWithMembersResponse.def.shape, unread_count: z.int().check(z.gte(0)) })
  .register(z.globalRegistry, { id: 'MyRoom', description: 'A room of the acting user, with the number of messages they have not seen.' });

const memberName = { id: idNumber, username: z.nullable(z.string()) };

export const roomMembersResponse = z
  .object({
    id: idNumber,
    member_count: memberCount,
    members: z.array(z.object({ ...memberName, joined_at: timestamp })).check(z.maxLength(MAX_MEMBERS_PAGE)),
    history: z.optional(z.array(z.object({ ...memberName, event: z.enum(['joined', 'left']), at: timestamp })).check(z.maxLength(MAX_MEMBERS_PAGE))),
    page: z.object({
      limit: z.int().check(z.gte(1), z.lte(MAX_MEMBERS_PAGE)),
      next: z.nullable(idNumber).register(z.globalRegistry, { description: 'Pass as after= for the next page of members; null: this is the last.' }),
      history_next: z.optional(z.nullable(z.string()).register(z.globalRegistry, { description: 'With include=past: pass as history_after= for the next page of the history; null: this is the last.' })),
    }),
  })
  .register(z.globalRegistry, {
    id: 'RoomMembers',
    description: 'A page of the current members in id order (username null once deleted) and, with include=past, a page of the joins and leaves in time order.',
  });

/** GET /chat/chatroom/: anonymous, every group room; with an acting user, their rooms with members and unread counts. */
export const roomListResponse = z
  .union([z.array(roomSummaryResponse), z.array(myRoomResponse)])
  .register(z.globalRegistry, { id: 'RoomList', description: 'Without an acting user, every group room; with one, that user’s rooms (group and direct).' });

/** GET /chat/chatroom/:id/: anonymous, a group room; with an acting user, any room of theirs with its members. */
export const roomViewResponse = z
  .union([roomSummaryResponse, roomWithMembersResponse])
  .register(z.globalRegistry, { id: 'RoomView', description: 'Without an acting user, a group room; with one, a room of theirs with its members.' });
