/**
 * Every key of the single table is built here, and only here.
 * PK/SK: the entity; GSI1PK/GSI1SK: the inverted or listing direction of a relation.
 */
const ID_WIDTH = 12;
const SEQUENCE_WIDTH = 12;

export const padId = (id: number) => String(id).padStart(ID_WIDTH, '0');
export const padSequence = (sequence: number) => String(sequence).padStart(SEQUENCE_WIDTH, '0');

export const keys = {
  counter: (name: string) => ({ PK: `COUNTER#${name}`, SK: 'COUNTER' }),

  user: (userId: number) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  /** Every user, in id order, under one GSI1 partition: the user list is one paged Query. */
  userListing: (userId: number) => ({ GSI1PK: 'USERS', GSI1SK: `USER#${padId(userId)}` }),
  usersPartition: () => ({ GSI1PK: 'USERS' }),
  username: (username: string) => ({ PK: `USERNAME#${username}`, SK: 'USERNAME' }),
} as const;
