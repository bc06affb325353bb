import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (the service's folder). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');
/** What the local tooling builds once and reuses across runs (the usual node_modules/.cache place). */
export const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'chat-serverless');
