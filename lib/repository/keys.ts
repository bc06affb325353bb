/**
 * Every key of the single table (and the tasks table) is built here, and only here.
 * PK/SK: the entity; GSI1PK/GSI1SK: the inverted or listing direction of a relation.
 * docs/data-model.md describes each item and the access pattern it serves.
 */
const ID_WIDTH = 12;
const SEQUENCE_WIDTH = 12;

export const padId = (id: number) => String(id).padStart(ID_WIDTH, '0');
export const padSequence = (sequence: number) => String(sequence).padStart(SEQUENCE_WIDTH, '0');
/** The highest sequence a message key can hold (the upper bound of a message range). */
export const MAX_SEQUENCE = 10 ** SEQUENCE_WIDTH - 1;

export const MEMBER_PREFIX = 'MEMBER#';
export const HISTORY_PREFIX = 'HISTORY#';
export const MESSAGE_PREFIX = 'MSG#';

export const keys = {
  counter: (name: string) => ({ PK: `COUNTER#${name}`, SK: 'COUNTER' }),

  user: (userId: number) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  /** Every user, in id order, under one GSI1 partition: the user list is one paged Query. */
  userListing: (userId: number) => ({ GSI1PK: 'USERS', GSI1SK: `USER#${padId(userId)}` }),
  usersPartition: () => ({ GSI1PK: 'USERS' }),
  username: (username: string) => ({ PK: `USERNAME#${username}`, SK: 'USERNAME' }),

  room: (roomId: number) => ({ PK: `ROOM#${roomId}`, SK: 'META' }),
  /** A room's membership bookkeeping (member count and ids): the concurrency point of join/leave. */
  roster: (roomId: number) => ({ PK: `ROOM#${roomId}`, SK: 'ROSTER' }),
  roomPartition: (roomId: number) => ({ PK: `ROOM#${roomId}` }),
  /** Group rooms only, in id order, under one GSI1 partition (the anonymous room list). */
  groupRoomListing: (roomId: number) => ({ GSI1PK: 'GROUP_ROOMS', GSI1SK: `ROOM#${padId(roomId)}` }),
  groupRoomsPartition: () => ({ GSI1PK: 'GROUP_ROOMS' }),
  roomName: (roomName: string) => ({ PK: `ROOMNAME#${roomName}`, SK: 'ROOMNAME' }),
  /** The one direct room of an unordered pair of users. */
  directPair: (userA: number, userB: number) => {
    const [low, high] = userA < userB ? [userA, userB] : [userB, userA];
    return { PK: `DIRECT#${low}#${high}`, SK: 'DIRECT' };
  },

  /** A current membership; GSI1 inverts it into "rooms of a user" (one Query). */
  member: (roomId: number, userId: number) => ({ PK: `ROOM#${roomId}`, SK: `${MEMBER_PREFIX}${padId(userId)}` }),
  memberOfUser: (roomId: number, userId: number) => ({ GSI1PK: `MEMBER_OF#${userId}`, GSI1SK: `ROOM#${padId(roomId)}` }),
  roomsOfUserPartition: (userId: number) => ({ GSI1PK: `MEMBER_OF#${userId}` }),
  /** Membership history: one item per join or leave, kept after the membership ends. */
  membershipEvent: (roomId: number, at: string, userId: number, event: 'joined' | 'left') => ({
    PK: `ROOM#${roomId}`,
    SK: `${HISTORY_PREFIX}${at}#${padId(userId)}#${event}`,
  }),

  message: (roomId: number, sequence: number) => ({ PK: `ROOM#${roomId}`, SK: `${MESSAGE_PREFIX}${padSequence(sequence)}` }),

  /** A live WebSocket connection (TTL): whose it is, for $disconnect and the frames its client sends. */
  connection: (connectionId: string) => ({ PK: `CONNECTION#${connectionId}`, SK: 'CONNECTION' }),
  /** A user's live connections in one bounded item (TTL): a room's are one BatchGetItem away. */
  connectionsOfUser: (userId: number) => ({ PK: `USER#${userId}`, SK: 'CONNECTIONS' }),

  /** Tasks table. */
  task: (taskId: string) => ({ PK: `TASK#${taskId}` }),
  idempotencyKey: (userId: number, key: string) => ({ PK: `IDEMPOTENCY#${userId}#${key}` }),
} as const;
