import * as z from 'zod/mini';
import { text } from '../http/fields.ts';

export const loginBody = z.object({
  username: text(150),
  password: text(256),
});
