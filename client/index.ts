/**
 * The typed client of the chat API: openapi-fetch over the types that openapi-typescript generates
 * from the API's OpenAPI document (client/schema.ts, `npm run client`). It runs in browsers and in
 * Node alike (only `fetch`). README, "Typed client", shows how to use it.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.ts';

export type * from './schema.ts';

export type ChatClient = Client<paths>;

export interface ChatClientOptions extends ClientOptions {
  /**
   * Deployed stages (AUTH_MODE=token): the Bearer token from POST /auth/token/, or a function
   * giving the current one (read on every request). The local stage needs none.
   */
  token?: string | (() => string | undefined);
}

/** Sends `Authorization: Bearer <token>` on every request, when there is a token. */
export function bearer(token: string | (() => string | undefined)): Middleware {
  return {
    onRequest({ request }) {
      const current = typeof token === 'function' ? token() : token;
      if (current) request.headers.set('Authorization', `Bearer ${current}`);
      return request;
    },
  };
}

export function createChatClient({ token, ...options }: ChatClientOptions = {}): ChatClient {
  const client = createClient<paths>(options);
  if (token !== undefined) client.use(bearer(token));
  return client;
}
