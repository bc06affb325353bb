import { useEffect, useId, useState, type FormEvent } from 'react';
import type { ChatController, ChatState } from '../chat/controller.ts';
import type { LiveStatus } from '../live/live.ts';
import { unreadOf } from '../logic/unread.ts';
import { dmHref, navigate, roomHref } from './route.ts';

interface Props {
  controller: ChatController;
  state: ChatState;
  openRoomId: number | undefined;
  onSignOut(): void;
}

const liveLabel: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  socket: 'Live',
  polling: 'Live (polling)',
  offline: 'Offline',
};

type Panel = 'new-room' | 'join' | 'dm' | undefined;

export function Sidebar({ controller, state, openRoomId, onSignOut }: Props) {
  const [panel, setPanel] = useState<Panel>();
  const toggle = (p: Panel) => setPanel((current) => (current === p ? undefined : p));
  const ids = { newRoom: useId(), join: useId(), dm: useId() };

  return (
    <aside className="sidebar">
      <header className="sidebar-header">
        <div>
          <strong className="app-name">chat-serverless</strong>
          <span className="whoami">
            Signed in as <b>{controller.session.username}</b>
          </span>
        </div>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <p className={`live live-${state.live}`} role="status" aria-label={`Connection: ${liveLabel[state.live]}`}>
        <span aria-hidden="true" className="dot" /> {liveLabel[state.live]}
      </p>

      <div className="actions">
        <button type="button" aria-expanded={panel === 'new-room'} aria-controls={ids.newRoom} onClick={() => toggle('new-room')}>
          New room
        </button>
        <button type="button" aria-expanded={panel === 'join'} aria-controls={ids.join} onClick={() => toggle('join')}>
          Join a room
        </button>
        <button type="button" aria-expanded={panel === 'dm'} aria-controls={ids.dm} onClick={() => toggle('dm')}>
          Direct message
        </button>
      </div>
      {panel === 'new-room' && <NewRoom id={ids.newRoom} controller={controller} onDone={() => setPanel(undefined)} />}
      {panel === 'join' && <JoinRoom id={ids.join} controller={controller} state={state} onDone={() => setPanel(undefined)} />}
      {panel === 'dm' && <DirectMessage id={ids.dm} controller={controller} state={state} onDone={() => setPanel(undefined)} />}

      {state.notice && (
        <div role="alert" className="error notice">
          <p>{state.notice}</p>
          <button type="button" className="link" onClick={() => controller.dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}

      <nav aria-label="Rooms" className="rooms">
        <h2 className="rooms-title">Rooms</h2>
        <RoomList state={state} openRoomId={openRoomId} onRetry={() => void controller.refreshRooms()} />
      </nav>
    </aside>
  );
}

function RoomList({ state, openRoomId, onRetry }: { state: ChatState; openRoomId: number | undefined; onRetry(): void }) {
  if (state.rooms === undefined) {
    if (state.roomsError) return <RoomsError detail={state.roomsError} onRetry={onRetry} />;
    return <p role="status">Loading rooms…</p>;
  }
  return (
    <>
      {state.roomsError && <RoomsError detail={state.roomsError} onRetry={onRetry} />}
      {state.rooms.length === 0 ? (
        <p className="empty">No rooms yet. Create one with “New room”, join one, or send a direct message.</p>
      ) : (
        <ul>
          {state.rooms.map((room) => {
            const unread = unreadOf(state.unread, room.id);
            const badge = `room-${room.id}-unread`;
            return (
              <li key={room.id} className={room.id === openRoomId ? 'current' : undefined}>
                <a
                  href={roomHref(room.id)}
                  aria-current={room.id === openRoomId ? 'page' : undefined}
                  {...(unread > 0 ? { 'aria-describedby': badge } : {})}
                >
                  {room.room_name}
                </a>
                {unread > 0 && (
                  <span id={badge} className="badge">
                    {unread}
                    <span className="visually-hidden"> unread</span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

function RoomsError({ detail, onRetry }: { detail: string; onRetry(): void }) {
  return (
    <div role="alert" className="error">
      <p>{detail}</p>
      <button type="button" className="link" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

function NewRoom({ id, controller, onDone }: { id: string; controller: ChatController; onDone(): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const roomId = await controller.createRoom(name.trim());
    setBusy(false);
    if (roomId !== undefined) {
      onDone();
      navigate(roomHref(roomId));
    }
  };
  return (
    <form id={id} className="panel" onSubmit={submit}>
      <label htmlFor={input}>Room name</label>
      <input id={input} value={name} onChange={(e) => setName(e.target.value)} maxLength={255} required autoFocus />
      <button type="submit" disabled={busy || name.trim() === ''}>
        Create
      </button>
    </form>
  );
}

function JoinRoom({ id, controller, state, onDone }: { id: string; controller: ChatController; state: ChatState; onDone(): void }) {
  useEffect(() => {
    void controller.loadGroupRooms();
  }, [controller]);
  const mine = new Set(state.rooms?.map((room) => room.id));
  const joinable = state.groupRooms?.filter((room) => !mine.has(room.id));
  return (
    <section id={id} className="panel" aria-label="Rooms to join">
      {joinable === undefined ? (
        <p role="status">Loading rooms…</p>
      ) : joinable.length === 0 ? (
        <p className="empty">No other group rooms to join.</p>
      ) : (
        <ul>
          {joinable.map((room) => (
            <li key={room.id}>
              <span>{room.room_name}</span>
              <button
                type="button"
                aria-label={`Join ${room.room_name}`}
                onClick={async () => {
                  if (await controller.joinRoom(room.id)) {
                    onDone();
                    navigate(roomHref(room.id));
                  }
                }}
              >
                Join
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DirectMessage({ id, controller, state, onDone }: { id: string; controller: ChatController; state: ChatState; onDone(): void }) {
  useEffect(() => {
    void controller.loadUsers();
  }, [controller]);
  const [chosen, setChosen] = useState('');
  const select = useId();
  const others = state.users?.filter((u) => u.id !== controller.session.userId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const userId = Number(chosen || others?.[0]?.id);
    if (!userId) return;
    onDone();
    navigate(dmHref(userId));
  };
  if (others === undefined) return <p id={id} className="panel" role="status">Loading users…</p>;
  return (
    <form id={id} className="panel" onSubmit={submit}>
      <label htmlFor={select}>Send a direct message to</label>
      <select id={select} value={chosen || String(others[0]?.id ?? '')} onChange={(e) => setChosen(e.target.value)}>
        {others.map((u) => (
          <option key={u.id} value={u.id}>
            {u.username}
          </option>
        ))}
      </select>
      <button type="submit" disabled={others.length === 0}>
        Start
      </button>
    </form>
  );
}
