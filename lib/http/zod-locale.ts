import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini ships without messages; English ones make 400 bodies readable.
z.config(en());
