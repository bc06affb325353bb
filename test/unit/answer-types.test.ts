import type * as z from 'zod/mini';
import { describe, expectTypeOf, it } from 'vitest';
import type { tokenResponse } from '../../lib/auth/answers.ts';
import type { messageResponse, taskStatusResponse } from '../../lib/messages/answers.ts';
import type { MessageView } from '../../lib/messages/model.ts';
import type { ReadMessage, RoomMessages, UnseenRoom } from '../../lib/reading/model.ts';
import type { PageInfo } from '../../lib/reading/page.ts';
import type { pageResponse, readMessageResponse, roomMessagesResponse, unseenRoomResponse } from '../../lib/reading/answers.ts';
import type { RoomSummary, RoomWithMembers } from '../../lib/rooms/model.ts';
import type { myRoomResponse, roomMembersResponse, roomSummaryResponse, roomWithMembersResponse } from '../../lib/rooms/answers.ts';
import type { RoomMembers } from '../../lib/rooms/service.ts';
import type { TaskStatus } from '../../lib/tasks/model.ts';
import type { PublicUser } from '../../lib/users/model.ts';
import type { userResponse } from '../../lib/users/answers.ts';

/**
 * The answer schemas the OpenAPI document is generated from describe the very types the services
 * return: `tsc --noEmit` (npm test) fails here when a domain type gains, loses or changes a field
 * its schema does not. The runtime check of every answer is test/support/contract.ts.
 */
describe('answer schemas and domain types are the same shapes', () => {
  it('compiles', () => {
    expectTypeOf<z.output<typeof userResponse>>().toEqualTypeOf<PublicUser>();
    expectTypeOf<z.output<typeof roomSummaryResponse>>().toEqualTypeOf<RoomSummary>();
    expectTypeOf<z.output<typeof roomWithMembersResponse>>().toEqualTypeOf<RoomWithMembers>();
    expectTypeOf<z.output<typeof myRoomResponse>>().toEqualTypeOf<Omit<RoomWithMembers & { unread_count: number }, never>>();
    expectTypeOf<z.output<typeof roomMembersResponse>>().toEqualTypeOf<RoomMembers>();
    expectTypeOf<z.output<typeof messageResponse>>().toEqualTypeOf<MessageView>();
    expectTypeOf<z.output<typeof readMessageResponse>>().toEqualTypeOf<ReadMessage>();
    expectTypeOf<z.output<typeof pageResponse>>().toEqualTypeOf<PageInfo>();
    expectTypeOf<z.output<typeof roomMessagesResponse>>().toEqualTypeOf<RoomMessages>();
    expectTypeOf<z.output<typeof unseenRoomResponse>>().toEqualTypeOf<UnseenRoom>();
    // The domain leaves a task's result open (unknown); the answer says which result goes with which state.
    expectTypeOf<z.output<typeof taskStatusResponse>>().toExtend<TaskStatus>();
    expectTypeOf<z.output<typeof tokenResponse>>().toEqualTypeOf<{ access_token: string; token_type: 'Bearer'; expires_in: number; user_id: number }>();
  });
});
