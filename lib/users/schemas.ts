import * as z from 'zod/mini';
import { idText, text } from '../http/fields.ts';
import { PROFILE_STATUSES } from './model.ts';

const username = text(150).check(
  z.refine((value) => /^[\w.@+-]+$/.test(value), 'Enter a valid username: letters, digits and @/./+/-/_ only.'),
);
const password = text(256);
const name = text(150, { allowBlank: true });
const email = text(254, { allowBlank: true }).check(
  z.refine((value) => value === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), 'Enter a valid email address.'),
);
const status = z.enum(PROFILE_STATUSES, { error: `Must be one of ${PROFILE_STATUSES.join(', ')}.` });
/** Null is accepted, as the seed's model allows it (its own users have none). */
const statusMessage = z.nullable(text(255, { allowBlank: true }));

export const userIdPath = z.object({ id: idText });

export const createUserBody = z.object({
  username,
  password,
  first_name: z.optional(name),
  last_name: z.optional(name),
  email: z.optional(email),
  profile: z.optional(z.object({ status, status_msg: z.optional(statusMessage) })),
});
export type CreateUserInput = z.output<typeof createUserBody>;

/** PUT: the required fields again; the password may be left out to keep it. */
export const replaceUserBody = z.object({
  ...createUserBody.def.shape,
  password: z.optional(password),
});

export const patchUserBody = z.object({
  username: z.optional(username),
  password: z.optional(password),
  first_name: z.optional(name),
  last_name: z.optional(name),
  email: z.optional(email),
  profile: z.optional(z.object({ status: z.optional(status), status_msg: z.optional(statusMessage) })),
});
export type UserChanges = z.output<typeof patchUserBody>;

/** PUT and PATCH: `If-Match` makes the write conditional on the user's current ETag (412 otherwise). */
export const userUpdateHeaders = z.object({
  'if-match': z.optional(
    z.string().register(z.globalRegistry, {
      description: 'The ETag of the user as last read (strong comparison), or `*`: the write happens only if it still matches, else 412 and nothing is written.',
    }),
  ),
});

/** django-filter semantics: exact matches, empty values ignored, unknown parameters ignored. */
const filterValue = <T extends z.ZodMiniType>(schema: T) =>
  z.optional(z.pipe(z.transform((value: unknown) => (value === '' ? undefined : value)), z.optional(schema)));

export const userListQuery = z.object({
  id: filterValue(idText),
  username: filterValue(z.string()),
  first_name: filterValue(z.string()),
  last_name: filterValue(z.string()),
  profile__status: filterValue(status),
});
export type UserListFilters = z.output<typeof userListQuery>;
