/**
 * The endpoints that answer without a Bearer token in token mode (`auth: 'public'` of their HTTP
 * contract), declared once, here: their entries in the route table (lib/routes.ts) take `auth`
 * from this object, and so do their handlers, which hand it to httpHandler. A handler that
 * imported its entry from the table would bundle the whole table, every domain's schemas with it
 * (20–45 KB per function; docs/performance.md, "Bundles"). Every other endpoint needs a token,
 * httpHandler's default.
 */
export const PUBLIC_ROUTES = {
  usersCreate: { auth: 'public' },
  authToken: { auth: 'public' },
  openapi: { auth: 'public' },
  health: { auth: 'public' },
} as const;
