import { useSyncExternalStore } from 'react';

/** Where the app is: the room list, a room, or a draft direct message to a user (hash routes, so any static host serves them). */
export type Route = { view: 'home' } | { view: 'room'; roomId: number } | { view: 'dm'; userId: number };

export function parseRoute(hash: string): Route {
  const room = /^#\/rooms\/(\d+)$/.exec(hash);
  if (room) return { view: 'room', roomId: Number(room[1]) };
  const dm = /^#\/dm\/(\d+)$/.exec(hash);
  if (dm) return { view: 'dm', userId: Number(dm[1]) };
  return { view: 'home' };
}

export const roomHref = (roomId: number) => `#/rooms/${roomId}`;
export const dmHref = (userId: number) => `#/dm/${userId}`;

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

const subscribe = (listener: () => void) => {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}
