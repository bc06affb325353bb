export const PROFILE_STATUSES = ['Online', 'Busy', 'Offline'] as const;
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];

export interface Profile {
  status: ProfileStatus;
  /** Null as in the seed (its model allows it), or text. */
  status_msg: string | null;
}

/** A user as the API shows it: never a password or its hash. */
export interface PublicUser {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  profile: Profile;
  /** When the user was created (the seed's Django field; ours is the stored `createdAt`). */
  date_joined: string;
  /** Always true: a user is deleted, never deactivated (the seed's Django field). */
  is_active: true;
}

/** The user item. `version` (absent on users written before it existed: 0) grows with every write. */
export interface StoredUser extends Omit<PublicUser, 'date_joined' | 'is_active'> {
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
  version?: number;
}

export function toPublicUser(user: StoredUser): PublicUser {
  const { id, username, first_name, last_name, email, profile, createdAt } = user;
  return {
    id,
    username,
    first_name,
    last_name,
    email,
    profile: { status: profile.status, status_msg: profile.status_msg ?? null },
    date_joined: createdAt,
    is_active: true,
  };
}

/** What a PUT or PATCH changes: only the fields given (as DRF's ModelSerializer.update does). */
export interface UserUpdate {
  fields: Partial<Pick<StoredUser, 'username' | 'first_name' | 'last_name' | 'email'>>;
  profile: Partial<Profile>;
  passwordHash?: string;
  at: string;
}

/** The user after `update` (what one conditional write of it leaves behind). */
export function updatedUser(user: StoredUser, update: UserUpdate): StoredUser {
  return {
    ...user,
    ...update.fields,
    profile: { ...user.profile, ...update.profile },
    ...(update.passwordHash === undefined ? {} : { passwordHash: update.passwordHash }),
    updatedAt: update.at,
    version: (user.version ?? 0) + 1,
  };
}
