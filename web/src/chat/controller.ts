/**
 * The signed-in chat: rooms, conversations, the outbox of own messages and live updates, as one
 * immutable state that React reads with useSyncExternalStore. Every action is a method; every
 * request goes through the Api (web/src/api/client.ts); the rules live in web/src/logic/.
 */
import type { Api, Message, MyRoom, RoomMembers, RoomSummary, User } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import type { FrameUser } from '../logic/frames.ts';
import { newEntry, transition, type OutboxEntry, type OutboxEvent } from '../logic/outbox.ts';
import { raiseWatermark, watermarksFromPage, type Watermarks } from '../logic/seen.ts';
import { mergeBySequence } from '../logic/timeline.ts';
import { afterArrival, afterOpen, afterRefresh, type UnreadCounts } from '../logic/unread.ts';
import { LiveClient, type LiveStatus } from '../live/live.ts';
import type { Session } from './session.ts';

/** Messages per history page (the API allows up to 100). */
export const PAGE_SIZE = 50;
/** How long a typing indicator stays without a new typing frame. */
export const TYPING_SHOWN_MS = 6000;
/** Task polling: attempts and delays (ms) — about 45 s in all before a send counts as unconfirmed. */
const TASK_POLL_DELAYS = [150, 250, 400, 600, 800, 1000];
const TASK_POLL_ATTEMPTS = 60;

export interface Timeline {
  messages: Message[];
  hasMoreBefore: boolean;
  loading: 'initial' | 'older' | null;
  error?: string;
  /** Per member, the newest sequence they have seen (for "seen by"). */
  watermarks: Watermarks;
}

export interface ChatState {
  rooms: MyRoom[] | undefined;
  roomsError?: string;
  unread: UnreadCounts;
  timelines: ReadonlyMap<number, Timeline>;
  outbox: readonly OutboxEntry[];
  /** "roomId:sequence" of messages sent from this tab (shown as "Sent"). */
  sentHere: ReadonlySet<string>;
  typing: ReadonlyMap<number, ReadonlyMap<number, { username: string | null; until: number }>>;
  members: ReadonlyMap<number, RoomMembers | { error: string }>;
  users: User[] | undefined;
  groupRooms: RoomSummary[] | undefined;
  live: LiveStatus;
  /** The open room (undefined: none, or a draft direct message). */
  openRoomId: number | undefined;
  /** The last failed action's problem detail, shown until dismissed. */
  notice?: string;
}

const initialState: ChatState = {
  rooms: undefined,
  unread: new Map(),
  timelines: new Map(),
  outbox: [],
  sentHere: new Set(),
  typing: new Map(),
  members: new Map(),
  users: undefined,
  groupRooms: undefined,
  live: 'connecting',
  openRoomId: undefined,
};

const detailOf = (err: unknown) => (err instanceof ApiError ? err.detail : (err as Error).message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ChatController {
  private state: ChatState = initialState;
  private readonly listeners = new Set<() => void>();
  private readonly live: LiveClient;
  private stopped = false;
  private roomsRefresh: Promise<void> | undefined;
  private roomsRefreshAgain = false;

  private readonly api: Api;
  readonly session: Session;

  constructor(api: Api, session: Session, wsUrl: string | null) {
    this.api = api;
    this.session = session;
    this.live = new LiveClient({
      api,
      userId: session.userId,
      wsUrl,
      token: () => session.token,
      handlers: {
        onMessages: (roomId, messages, read) => this.onLiveMessages(roomId, messages, read),
        onRoomsStale: () => void this.refreshRooms(),
        onMember: (roomId, user, event) => this.onMember(roomId, user, event),
        onRead: (roomId, user, through) => this.onRead(roomId, user, through),
        onTyping: (roomId, user) => this.onTyping(roomId, user),
        onStatus: (live) => this.set({ live }),
        onPolled: () => {
          if (this.state.openRoomId !== undefined) void this.markRead(this.state.openRoomId);
        },
        knownRooms: () => new Set((this.state.rooms ?? []).map((room) => room.id)),
      },
    });
  }

  // ---- store plumbing ------------------------------------------------------------------------

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ChatState => this.state;

  private set(patch: Partial<ChatState>): void {
    if (this.stopped) return;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private setTimeline(roomId: number, update: (timeline: Timeline) => Timeline): void {
    const current = this.state.timelines.get(roomId) ?? { messages: [], hasMoreBefore: true, loading: null, watermarks: new Map() };
    const timelines = new Map(this.state.timelines);
    timelines.set(roomId, update(current));
    this.set({ timelines });
  }

  private fail(err: unknown): void {
    this.set({ notice: detailOf(err) });
  }

  dismissNotice(): void {
    this.set({ notice: undefined });
  }

  start(): void {
    void this.refreshRooms();
    this.live.start();
  }

  stop(): void {
    this.live.stop();
    this.stopped = true;
    this.listeners.clear();
  }

  // ---- rooms ---------------------------------------------------------------------------------

  /** Re-reads the user's rooms (with unread counts); calls while one runs coalesce into one more. */
  refreshRooms(): Promise<void> {
    if (this.roomsRefresh) {
      this.roomsRefreshAgain = true;
      return this.roomsRefresh;
    }
    this.roomsRefresh = (async () => {
      do {
        this.roomsRefreshAgain = false;
        try {
          const rooms = await this.api.myRooms(this.session.userId);
          const server = new Map(rooms.map((room) => [room.id, room.unread_count ?? 0]));
          const gone = [...this.state.timelines.keys()].filter((id) => !server.has(id));
          for (const id of gone) this.live.unfollow(id);
          const timelines = new Map(this.state.timelines);
          for (const id of gone) timelines.delete(id);
          this.set({ rooms, roomsError: undefined, unread: afterRefresh(this.state.unread, server, this.state.openRoomId), timelines });
        } catch (err) {
          this.set({ roomsError: detailOf(err) });
        }
      } while (this.roomsRefreshAgain && !this.stopped);
    })().finally(() => (this.roomsRefresh = undefined));
    return this.roomsRefresh;
  }

  async loadUsers(): Promise<void> {
    try {
      this.set({ users: await this.api.listUsers() });
    } catch (err) {
      this.fail(err);
    }
  }

  async loadGroupRooms(): Promise<void> {
    try {
      this.set({ groupRooms: await this.api.groupRooms() });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Creates a group room (the user is its first member); resolves to its id. */
  async createRoom(name: string): Promise<number | undefined> {
    try {
      const room = await this.api.createRoom(this.session.userId, name);
      await this.refreshRooms();
      return room.id;
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  async joinRoom(roomId: number): Promise<boolean> {
    try {
      await this.api.joinRoom(this.session.userId, roomId);
      await Promise.all([this.refreshRooms(), this.loadGroupRooms()]);
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  async leaveRoom(roomId: number): Promise<boolean> {
    try {
      await this.api.leaveRoom(this.session.userId, roomId);
      this.live.unfollow(roomId);
      const timelines = new Map(this.state.timelines);
      timelines.delete(roomId);
      this.set({ timelines, rooms: this.state.rooms?.filter((room) => room.id !== roomId) });
      await this.refreshRooms();
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  async loadMembers(roomId: number): Promise<void> {
    const members = new Map(this.state.members);
    try {
      members.set(roomId, await this.api.members(this.session.userId, roomId));
    } catch (err) {
      members.set(roomId, { error: detailOf(err) });
    }
    this.set({ members });
  }

  // ---- conversations -------------------------------------------------------------------------

  /** Shows a room: its newest page (with seen_by) unless loaded; marks it read. */
  async openRoom(roomId: number | undefined): Promise<void> {
    this.set({ openRoomId: roomId, ...(roomId === undefined ? {} : { unread: afterOpen(this.state.unread, roomId) }) });
    if (roomId === undefined) return;
    const timeline = this.state.timelines.get(roomId);
    if (timeline && timeline.messages.length > 0 && !timeline.error) {
      // Loaded before: only what is new (the catch-up of the live client), and mark it read.
      void this.markRead(roomId);
      return;
    }
    this.setTimeline(roomId, (t) => ({ ...t, loading: 'initial', error: undefined }));
    try {
      const data = await this.api.messages(this.session.userId, roomId, { limit: PAGE_SIZE, seenBy: true });
      this.setTimeline(roomId, (t) => ({
        messages: mergeBySequence(t.messages, data.messages),
        hasMoreBefore: data.page.has_more_before,
        loading: null,
        watermarks: watermarksFromPage(t.watermarks, data.messages),
      }));
      this.live.follow(roomId, data.messages.at(-1)?.sequence ?? 0);
    } catch (err) {
      this.setTimeline(roomId, (t) => ({ ...t, loading: null, error: detailOf(err) }));
      if (err instanceof ApiError && err.status === 404) void this.refreshRooms();
    }
  }

  /** The page before the oldest message held (scrolling back). */
  async loadOlder(roomId: number): Promise<void> {
    const timeline = this.state.timelines.get(roomId);
    if (!timeline || timeline.loading || !timeline.hasMoreBefore) return;
    const oldest = timeline.messages[0]?.sequence;
    if (oldest === undefined || oldest <= 1) {
      this.setTimeline(roomId, (t) => ({ ...t, hasMoreBefore: false }));
      return;
    }
    this.setTimeline(roomId, (t) => ({ ...t, loading: 'older', error: undefined }));
    try {
      const data = await this.api.messages(this.session.userId, roomId, { limit: PAGE_SIZE, before: oldest });
      this.setTimeline(roomId, (t) => ({ ...t, messages: mergeBySequence(t.messages, data.messages), hasMoreBefore: data.page.has_more_before, loading: null }));
    } catch (err) {
      this.setTimeline(roomId, (t) => ({ ...t, loading: null, error: detailOf(err) }));
    }
  }

  /**
   * Marks the open room read up to its newest message: reading a page is what moves the watermark,
   * so this reads the one-message page ending there (with seen_by, which refreshes "seen by").
   */
  private async markRead(roomId: number): Promise<void> {
    const newest = this.state.timelines.get(roomId)?.messages.at(-1)?.sequence;
    if (newest === undefined) return;
    try {
      const data = await this.api.messages(this.session.userId, roomId, { after: newest - 1, limit: 1, seenBy: true });
      this.setTimeline(roomId, (t) => ({ ...t, messages: mergeBySequence(t.messages, data.messages), watermarks: watermarksFromPage(t.watermarks, data.messages) }));
    } catch {
      // best effort: the next read marks it
    }
  }

  private onLiveMessages(roomId: number, messages: Message[], read: boolean): void {
    const timeline = this.state.timelines.get(roomId);
    const held = new Set(timeline?.messages.map((m) => m.sequence));
    const fresh = messages.filter((m) => !held.has(m.sequence));
    const unreadNew = fresh.filter((m) => m.msg_from.id !== this.session.userId).length;
    const patch: Partial<ChatState> = { unread: afterArrival(this.state.unread, roomId, this.state.openRoomId, unreadNew, read) };
    // A message ends its sender's typing indicator.
    const typing = this.state.typing.get(roomId);
    if (typing && fresh.some((m) => typing.has(m.msg_from.id))) {
      const all = new Map(this.state.typing);
      const room = new Map(typing);
      for (const m of fresh) room.delete(m.msg_from.id);
      all.set(roomId, room);
      patch.typing = all;
    }
    this.set(patch);
    if (timeline) {
      this.setTimeline(roomId, (t) => ({
        ...t,
        messages: mergeBySequence(t.messages, fresh),
        // Whoever sent a message has seen everything before it.
        watermarks: fresh.reduce((marks, m) => raiseWatermark(marks, m.msg_from, m.sequence), t.watermarks),
      }));
      // A frame is not a read: mark the open room read (which also refreshes "seen by").
      if (roomId === this.state.openRoomId && unreadNew > 0 && !read) void this.markRead(roomId);
    }
  }

  private onMember(roomId: number, user: FrameUser, event: 'joined' | 'left'): void {
    if (user.id === this.session.userId && event === 'left') {
      void this.refreshRooms();
      return;
    }
    void this.refreshRooms();
    if (this.state.members.has(roomId)) void this.loadMembers(roomId);
  }

  private onRead(roomId: number, user: FrameUser, through: number): void {
    if (!this.state.timelines.has(roomId)) return;
    this.setTimeline(roomId, (t) => ({ ...t, watermarks: raiseWatermark(t.watermarks, user, through) }));
  }

  private onTyping(roomId: number, user: FrameUser): void {
    if (user.id === this.session.userId) return;
    const all = new Map(this.state.typing);
    const room = new Map(all.get(roomId));
    room.set(user.id, { username: user.username, until: Date.now() + TYPING_SHOWN_MS });
    all.set(roomId, room);
    this.set({ typing: all });
    setTimeout(() => this.expireTyping(), TYPING_SHOWN_MS + 50);
  }

  private expireTyping(): void {
    const now = Date.now();
    let changed = false;
    const all = new Map<number, ReadonlyMap<number, { username: string | null; until: number }>>();
    for (const [roomId, room] of this.state.typing) {
      const kept = new Map([...room].filter(([, t]) => t.until > now));
      if (kept.size !== room.size) changed = true;
      if (kept.size > 0) all.set(roomId, kept);
    }
    if (changed) this.set({ typing: all });
  }

  private lastTypingSent = new Map<number, number>();

  /** The composer changed: tell the room, at most every 3 s. */
  typing(roomId: number): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(roomId) ?? 0) < 3000) return;
    if (this.live.typing(roomId)) this.lastTypingSent.set(roomId, now);
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends `text` optimistically: it shows at once, "Sending…", then "Sent" or "Failed" with a retry. */
  send(target: OutboxEntry['target'], text: string): void {
    const entry = newEntry(target, text, crypto.randomUUID());
    this.set({ outbox: [...this.state.outbox, entry] });
    void this.deliver(entry.localId);
  }

  retry(localId: string): void {
    const entry = this.update(localId, { type: 'retry' });
    if (entry?.status === 'sending') void this.deliver(localId);
  }

  /** Drops a failed message from the outbox (the person gave up on it). */
  discard(localId: string): void {
    this.set({ outbox: this.state.outbox.filter((e) => e.localId !== localId || e.status !== 'failed') });
  }

  private update(localId: string, event: OutboxEvent): OutboxEntry | undefined {
    let updated: OutboxEntry | undefined;
    const outbox = this.state.outbox.map((entry) => {
      if (entry.localId !== localId) return entry;
      updated = transition(entry, event, () => crypto.randomUUID());
      return updated;
    });
    this.set({ outbox });
    return updated;
  }

  private async deliver(localId: string): Promise<void> {
    const entry = this.state.outbox.find((e) => e.localId === localId);
    if (!entry || entry.status !== 'sending') return;
    const { userId } = this.session;
    let taskId: string;
    try {
      taskId =
        entry.target.kind === 'room'
          ? await this.api.sendToRoom(userId, entry.target.roomId, entry.text, entry.key)
          : await this.api.sendToUser(userId, entry.target.userId, entry.text, entry.key);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      this.update(localId, { type: 'rejected', status, detail: detailOf(err) });
      if (status === 404) void this.refreshRooms(); // the room is gone, or we are no longer in it
      return;
    }
    this.update(localId, { type: 'accepted', taskId });
    await this.awaitTask(localId, taskId);
  }

  private async awaitTask(localId: string, taskId: string): Promise<void> {
    for (let attempt = 0; attempt < TASK_POLL_ATTEMPTS && !this.stopped; attempt++) {
      await sleep(TASK_POLL_DELAYS[Math.min(attempt, TASK_POLL_DELAYS.length - 1)]!);
      let task;
      try {
        task = await this.api.taskState(taskId);
      } catch {
        continue; // unreachable for a moment: keep asking, within the attempts
      }
      if (task.state === 'SUCCESS') {
        const message = task.result;
        this.update(localId, { type: 'task-succeeded', roomId: message.room.id, sequence: message.sequence });
        this.onOwnMessageStored(message);
        return;
      }
      if (task.state === 'FAILURE') {
        this.update(localId, { type: 'task-failed', detail: typeof task.result === 'string' ? task.result : 'The message could not be stored.' });
        return;
      }
    }
    this.update(localId, { type: 'unconfirmed', detail: 'No confirmation from the server yet. Retry to check again (it will not be sent twice).' });
  }

  private onOwnMessageStored(message: Message): void {
    const roomId = message.room.id;
    const sentHere = new Set(this.state.sentHere);
    sentHere.add(`${roomId}:${message.sequence}`);
    this.set({ sentHere });
    if (!this.state.rooms?.some((room) => room.id === roomId)) void this.refreshRooms(); // a first direct message made the room
    if (this.state.timelines.has(roomId)) {
      this.setTimeline(roomId, (t) => ({ ...t, messages: mergeBySequence(t.messages, [message]) }));
      this.live.ownMessage(roomId, message.sequence);
    }
  }
}
