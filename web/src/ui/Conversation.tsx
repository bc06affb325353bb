import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { Message } from '../api/client.ts';
import type { ChatController, ChatState } from '../chat/controller.ts';
import { pendingShown, type OutboxEntry } from '../logic/outbox.ts';
import { seenBy, type Watermarks } from '../logic/seen.ts';
import { Composer } from './Composer.tsx';
import { MembersPanel } from './MembersPanel.tsx';
import { navigate } from './route.ts';

interface Props {
  controller: ChatController;
  state: ChatState;
  roomId: number;
}

/** Scrolled within this many pixels of the top, the page before is loaded. */
const LOAD_OLDER_THRESHOLD_PX = 120;

export function Conversation({ controller, state, roomId }: Props) {
  const room = state.rooms?.find((r) => r.id === roomId);
  const timeline = state.timelines.get(roomId);
  const [showMembers, setShowMembers] = useState(false);
  const pending = pendingShown(
    state.outbox.filter((e) => (e.target.kind === 'room' ? e.target.roomId === roomId : e.roomId === roomId)),
    timeline?.messages ?? [],
    controller.session.userId,
  );
  const name = room?.room_name ?? (timeline?.messages[0]?.room.room_name || `Room ${roomId}`);
  if (state.rooms && !room && !timeline?.loading) {
    return (
      <section className="conversation">
        <ConversationHeader title={`Room ${roomId}`} />
        <p role="alert" className="error">
          {timeline?.error ?? 'You are not a member of this room (or it no longer exists).'}
        </p>
      </section>
    );
  }

  // A direct room takes its messages through POST /chat/user/:id/ (the group endpoint refuses it).
  const directTo = room?.is_direct ? (room.direct_peer ?? undefined) : undefined;
  const typing = [...(state.typing.get(roomId)?.values() ?? [])].map((t) => t.username ?? 'Someone');
  return (
    <section className="conversation" aria-labelledby={`room-${roomId}-title`}>
      <ConversationHeader title={name} titleId={`room-${roomId}-title`}>
        <button type="button" className="secondary" aria-expanded={showMembers} onClick={() => setShowMembers((s) => !s)}>
          Members
        </button>
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            if (await controller.leaveRoom(roomId)) navigate('#/');
          }}
        >
          Leave room
        </button>
      </ConversationHeader>
      {showMembers && <MembersPanel controller={controller} state={state} roomId={roomId} roomName={name} />}
      <MessageLog
        label={name}
        controller={controller}
        state={state}
        messages={timeline?.messages ?? []}
        pending={pending}
        loading={timeline === undefined || timeline.loading === 'initial' ? 'initial' : timeline.loading}
        hasMoreBefore={timeline?.hasMoreBefore ?? false}
        error={timeline?.error}
        onLoadOlder={() => void controller.loadOlder(roomId)}
        watermarksOf={timeline}
      />
      <p className="typing" aria-live="polite">
        {typing.length === 1 ? `${typing[0]} is typing…` : typing.length > 1 ? `${typing.join(', ')} are typing…` : ''}
      </p>
      <Composer
        onSend={(text) => controller.send({ kind: 'room', roomId, ...(directTo === undefined ? {} : { directTo }) }, text)}
        onTyping={() => controller.typing(roomId)}
      />
    </section>
  );
}

/** A direct message to someone with whom there is no room yet: the first message creates it. */
export function DraftConversation({ controller, state, userId }: { controller: ChatController; state: ChatState; userId: number }) {
  const user = state.users?.find((u) => u.id === userId);
  const entries = state.outbox.filter((e) => e.target.kind === 'user' && e.target.userId === userId);
  const created = entries.find((e) => e.status === 'sent' && e.roomId !== undefined)?.roomId;
  useEffect(() => {
    if (created !== undefined) navigate(`#/rooms/${created}`, { replace: true });
  }, [created]);
  const title = user ? `Direct message to ${user.username}` : 'Direct message';
  return (
    <section className="conversation" aria-label={title}>
      <ConversationHeader title={title} />
      {state.users && !user ? (
        <p role="alert" className="error">
          There is no user {userId}.
        </p>
      ) : (
        <>
          <MessageLog
            label={title}
            controller={controller}
            state={state}
            messages={[]}
            pending={entries}
            loading={null}
            hasMoreBefore={false}
            onLoadOlder={() => {}}
            emptyText={user ? `Say hello to ${user.username}: your first message starts the conversation.` : 'Loading…'}
          />
          <Composer onSend={(text) => controller.send({ kind: 'user', userId }, text)} />
        </>
      )}
    </section>
  );
}

function ConversationHeader({ title, titleId, children }: { title: string; titleId?: string; children?: ReactNode }) {
  return (
    <header className="conversation-header">
      <a href="#/" className="back">
        <span aria-hidden="true">‹ </span>Back to rooms
      </a>
      <h2 id={titleId}>{title}</h2>
      <div className="conversation-actions">{children}</div>
    </header>
  );
}

interface LogProps {
  label: string;
  controller: ChatController;
  state: ChatState;
  messages: readonly Message[];
  pending: readonly OutboxEntry[];
  loading: 'initial' | 'older' | null;
  hasMoreBefore: boolean;
  error?: string | undefined;
  onLoadOlder(): void;
  watermarksOf?: { watermarks: Watermarks } | undefined;
  emptyText?: string;
}

function MessageLog({ label, controller, state, messages, pending, loading, hasMoreBefore, error, onLoadOlder, watermarksOf, emptyText }: LogProps) {
  const log = useRef<HTMLDivElement>(null);
  const me = controller.session.userId;
  const first = messages[0]?.sequence;
  const last = messages.at(-1)?.sequence;
  const anchor = useRef<{ first: number | undefined; last: number | undefined; fromBottom: number; atBottom: boolean }>({
    first: undefined,
    last: undefined,
    fromBottom: 0,
    atBottom: true,
  });

  // Keep the view steady: older messages prepended keep what is on screen where it is; new ones
  // at the bottom are followed while the reader is at the bottom.
  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    const before = anchor.current;
    if (before.first !== undefined && first !== undefined && first < before.first) {
      el.scrollTop = el.scrollHeight - before.fromBottom;
    } else if (before.atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    anchor.current = { ...anchor.current, first, last };
  }, [first, last, pending.length]);

  // A first page that does not fill the log cannot be scrolled: load the one before it at once.
  useEffect(() => {
    const el = log.current;
    if (el && !loading && hasMoreBefore && el.scrollHeight <= el.clientHeight + 1) onLoadOlder();
  }, [loading, hasMoreBefore, first, onLoadOlder]);

  // Only the reader scrolling up loads older messages: the scroll events of the log's own moves
  // (to the bottom, as messages render) must not, even when they pass near the top.
  const lastScrollTop = useRef(0);
  const onScroll = () => {
    const el = log.current;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop;
    const up = el.scrollTop < lastScrollTop.current;
    lastScrollTop.current = el.scrollTop;
    anchor.current = { ...anchor.current, fromBottom, atBottom: fromBottom - el.clientHeight < 40 };
    if (up && el.scrollTop < LOAD_OLDER_THRESHOLD_PX && hasMoreBefore && !loading) onLoadOlder();
  };

  const lastMessage = messages.at(-1);
  const seen = lastMessage && watermarksOf ? seenBy(lastMessage, watermarksOf.watermarks, me) : [];
  const room = lastMessage?.room.id;

  return (
    <div className="log" role="log" aria-label={label} ref={log} onScroll={onScroll} tabIndex={0}>
      {loading === 'initial' ? (
        <p role="status" className="log-state">
          Loading messages…
        </p>
      ) : (
        <>
          {hasMoreBefore ? (
            <p className="log-state">
              {loading === 'older' ? (
                <span role="status">Loading older messages…</span>
              ) : (
                <button type="button" className="link" onClick={onLoadOlder}>
                  Load older messages
                </button>
              )}
            </p>
          ) : (
            messages.length > 0 && <p className="log-state">This is the beginning of the conversation.</p>
          )}
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {messages.length === 0 && pending.length === 0 && !error && <p className="empty">{emptyText ?? 'No messages yet. Say hello!'}</p>}
          <ol className="messages">
            {messages.map((m) => (
              <li key={m.sequence} data-sequence={m.sequence} className={m.msg_from.id === me ? 'message mine' : 'message'}>
                <MessageBody sender={m.msg_from.username ?? 'deleted user'} sentAt={m.sent_at} text={m.text} />
                {room !== undefined && state.sentHere.has(`${room}:${m.sequence}`) && m.msg_from.id === me && <span className="state sent">Sent</span>}
                {m === lastMessage && seen.length > 0 && <p className="seen">Seen by {seen.map((r) => r.username ?? `user ${r.id}`).join(', ')}</p>}
              </li>
            ))}
            {pending.map((entry) => (
              <li key={entry.localId} data-local-id={entry.localId} className={`message mine ${entry.status}`}>
                <MessageBody sender={controller.session.username} text={entry.text} />
                <PendingState entry={entry} controller={controller} />
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function MessageBody({ sender, sentAt, text }: { sender: string; sentAt?: string; text: string }) {
  return (
    <>
      <div className="meta">
        <span className="sender">{sender}</span>
        {sentAt && <time dateTime={sentAt}>{formatTime(sentAt)}</time>}
      </div>
      <p className="text">{text}</p>
    </>
  );
}

function PendingState({ entry, controller }: { entry: OutboxEntry; controller: ChatController }) {
  switch (entry.status) {
    case 'sending':
    case 'queued':
      return <span className="state sending">Sending…</span>;
    case 'sent':
      return <span className="state sent">Sent</span>;
    case 'failed':
      return (
        <div className="state failed">
          <span>Failed: {entry.detail}</span>
          <button type="button" onClick={() => controller.retry(entry.localId)}>
            Retry
          </button>
          <button type="button" className="link" onClick={() => controller.discard(entry.localId)}>
            Discard
          </button>
        </div>
      );
  }
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}
