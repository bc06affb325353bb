/**
 * Who is signed in, kept per browser tab (sessionStorage): two tabs may be two users. In token
 * mode the access token lives here until it expires (15 minutes; the API has no refresh).
 */
export interface Session {
  userId: number;
  username: string;
  token?: string;
  /** Epoch ms after which the token is no longer valid. */
  expiresAt?: number;
}

const KEY = 'chat-serverless.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Session;
    if (!Number.isSafeInteger(s.userId) || typeof s.username !== 'string') return undefined;
    if (s.expiresAt !== undefined && s.expiresAt <= Date.now()) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // private mode without storage: the session lasts as long as the page
  }
}
