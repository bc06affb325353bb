import { useEffect } from 'react';
import type { ChatController, ChatState } from '../chat/controller.ts';

/** Current members and the room's membership history (GET /chat/chatroom/:id/members/?include=past). */
export function MembersPanel({ controller, state, roomId, roomName }: { controller: ChatController; state: ChatState; roomId: number; roomName: string }) {
  useEffect(() => {
    void controller.loadMembers(roomId);
  }, [controller, roomId]);
  const data = state.members.get(roomId);
  return (
    <section className="members panel" aria-label={`Members of ${roomName}`}>
      {data === undefined ? (
        <p role="status">Loading members…</p>
      ) : 'error' in data ? (
        <p role="alert" className="error">
          {data.error}
        </p>
      ) : (
        <>
          <h3>Members ({data.members.length})</h3>
          <ul>
            {data.members.map((m) => (
              <li key={m.id}>
                {m.username ?? `user ${m.id}`} <span className="muted">since {new Date(m.joined_at).toLocaleString()}</span>
              </li>
            ))}
          </ul>
          <h3>History</h3>
          <ol aria-label="Membership history">
            {(data.history ?? []).map((h, i) => (
              <li key={i}>
                {h.username ?? `user ${h.id}`} {h.event} <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
