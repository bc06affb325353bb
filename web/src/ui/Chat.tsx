import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Api } from '../api/client.ts';
import { ChatController } from '../chat/controller.ts';
import type { Session } from '../chat/session.ts';
import { Conversation, DraftConversation } from './Conversation.tsx';
import { navigate, roomHref, useRoute } from './route.ts';
import { Sidebar } from './Sidebar.tsx';

interface Props {
  api: Api;
  session: Session;
  wsUrl: string | null;
  onSignOut(): void;
}

export function Chat({ api, session, wsUrl, onSignOut }: Props) {
  const [controller, setController] = useState<ChatController>();
  useEffect(() => {
    const c = new ChatController(api, session, wsUrl);
    c.start();
    setController(c);
    return () => c.stop();
  }, [api, session, wsUrl]);
  if (!controller) return null;
  return <ChatView controller={controller} onSignOut={onSignOut} />;
}

function ChatView({ controller, onSignOut }: { controller: ChatController; onSignOut(): void }) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const route = useRoute();
  const online = useOnline();
  const roomId = route.view === 'room' ? route.roomId : undefined;

  useEffect(() => {
    void controller.openRoom(roomId);
  }, [controller, roomId]);

  // A direct message to someone with whom a room exists already opens that room.
  const dmUserId = route.view === 'dm' ? route.userId : undefined;
  const existingDm = dmUserId === undefined ? undefined : state.rooms?.find((room) => room.is_direct && room.direct_peer === dmUserId)?.id;
  // The draft's title names the user.
  useEffect(() => {
    if (dmUserId !== undefined && !state.users) void controller.loadUsers();
  }, [controller, dmUserId, state.users]);
  useEffect(() => {
    if (existingDm !== undefined) navigate(roomHref(existingDm), { replace: true });
  }, [existingDm]);

  const offline = !online || state.live === 'offline';
  return (
    <div className={`chat ${route.view === 'home' ? 'show-list' : 'show-main'}`}>
      {offline && (
        <p role="status" className="banner offline">
          Offline: messages will arrive when the connection is back. Reconnecting…
        </p>
      )}
      <Sidebar controller={controller} state={state} openRoomId={roomId} onSignOut={onSignOut} />
      <main className="main">
        {route.view === 'room' ? (
          <Conversation controller={controller} state={state} roomId={route.roomId} />
        ) : route.view === 'dm' ? (
          <DraftConversation controller={controller} state={state} userId={route.userId} />
        ) : (
          <div className="welcome">
            <h2>Welcome, {controller.session.username}</h2>
            <p>Pick a room on the left, create one with “New room”, or start a “Direct message”.</p>
          </div>
        )}
      </main>
    </div>
  );
}

function useOnline(): boolean {
  return useSyncExternalStore(
    (listener) => {
      window.addEventListener('online', listener);
      window.addEventListener('offline', listener);
      return () => {
        window.removeEventListener('online', listener);
        window.removeEventListener('offline', listener);
      };
    },
    () => navigator.onLine,
  );
}
