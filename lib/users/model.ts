export const PROFILE_STATUSES = ['Online', 'Busy', 'Offline'] as const;
export type ProfileStatus = (typeof PROFILE_STATUSES)[number];

export interface Profile {
  status: ProfileStatus;
  /** null as the seed's dummy users have it (DRF: CharField(null=True), never set). */
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
}

export interface StoredUser extends PublicUser {
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
}

export function toPublicUser(user: StoredUser): PublicUser {
  const { id, username, first_name, last_name, email, profile } = user;
  return { id, username, first_name, last_name, email, profile: { status: profile.status, status_msg: profile.status_msg } };
}
