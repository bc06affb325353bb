/**
 * Live updates: the WebSocket API when it is up, the long poll (GET /chat/messages/unseen/?wait=20)
 * while it is not, and gap-free resume between the two (docs/realtime.md):
 * - per room the newest sequence held without a hole (SequenceTracker);
 * - a frame older than that is a duplicate and dropped; the next one is applied; a jump is a gap;
 * - on a gap, and on every (re)connect, each followed room (one whose history is loaded) is read
 *   forward with `after=` until `has_more_after` is false.
 * The socket reconnects with backoff; the poll runs only while the socket is down.
 */
import type { Api, Message } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import { backoffDelay } from '../logic/backoff.ts';
import { encodeFrame, parseFrame, type FrameUser, type ServerFrame } from '../logic/frames.ts';
import { catchUp } from '../logic/resume.ts';
import { SequenceTracker } from '../logic/timeline.ts';

export type LiveStatus = 'connecting' | 'socket' | 'polling' | 'offline';

export interface LiveHandlers {
  /**
   * New messages of a room, ascending, none passed on before. `read`: they came by reading (the
   * long poll, an after= catch-up), which marks them seen on the server; false for socket frames.
   */
  onMessages(roomId: number, messages: Message[], read: boolean): void;
  /** Something happened in a room this client does not list: refresh the room list. */
  onRoomsStale(): void;
  onMember(roomId: number, user: FrameUser, event: 'joined' | 'left'): void;
  onRead(roomId: number, user: FrameUser, through: number): void;
  onTyping(roomId: number, user: FrameUser): void;
  onStatus(status: LiveStatus): void;
  /** A long poll answered (with news or after its wait): the moment to refresh what polling cannot push, such as "seen by". */
  onPolled(): void;
  /** The rooms the client lists. */
  knownRooms(): ReadonlySet<number>;
}

export interface LiveOptions {
  api: Api;
  userId: number;
  wsUrl: string | null;
  /** Token mode: the access token for `?token=`. */
  token?: () => string | undefined;
  handlers: LiveHandlers;
}

/** The long poll's wait (the API's maximum). */
export const POLL_WAIT_SECONDS = 20;
/** Pause after a poll that came back at once with nothing to wait on (a user in no room). */
const EMPTY_POLL_PAUSE_MS = 3000;
const PING_INTERVAL_MS = 30_000;
const PONG_TIMEOUT_MS = 10_000;

export class LiveClient {
  private readonly tracker = new SequenceTracker();
  /** Rooms whose history is loaded: these are caught up on a gap or a reconnect. */
  private readonly followed = new Set<number>();
  private readonly catchUps = new Map<number, Promise<void>>();
  private socket: WebSocket | undefined;
  private socketAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private polling: AbortController | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private status: LiveStatus | undefined;

  private readonly options: LiveOptions;

  constructor(options: LiveOptions) {
    this.options = options;
  }

  start(): void {
    window.addEventListener('online', this.onOnline);
    if (this.options.wsUrl) this.connect();
    else this.startPolling();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.reconnectTimer);
    this.stopPing();
    this.polling?.abort();
    this.wake?.();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'signed out');
  }

  /** The history of `roomId` is loaded up to `through`: follow it from there. */
  follow(roomId: number, through: number): void {
    const before = this.tracker.get(roomId);
    this.followed.add(roomId);
    this.tracker.caughtUp(roomId, through);
    // Frames came in for this room before its page did: read what lies between.
    if (before !== undefined && before > through) void this.catchUpRoom(roomId, through);
  }

  unfollow(roomId: number): void {
    this.followed.delete(roomId);
    this.tracker.forget(roomId);
  }

  /** An own message was stored (its task succeeded): it is part of the room's sequence. */
  ownMessage(roomId: number, sequence: number): void {
    if (this.tracker.observe(roomId, sequence) === 'gap' && this.followed.has(roomId)) void this.catchUpRoom(roomId);
  }

  /** Tells the room's other members that this user is typing (socket only; throttled by the caller). */
  typing(roomId: number): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(encodeFrame({ action: 'typing', room_id: roomId }));
    return true;
  }

  // ---- arrivals ------------------------------------------------------------------------------

  /** Messages of a room from any source: duplicates dropped, gaps filled before they are passed on. */
  private ingest(roomId: number, messages: readonly Message[], read: boolean): void {
    const fresh: Message[] = [];
    let gap = false;
    for (const message of [...messages].sort((a, b) => a.sequence - b.sequence)) {
      const arrival = this.tracker.observe(roomId, message.sequence);
      if (arrival === 'duplicate') continue;
      if (arrival === 'gap') {
        if (this.followed.has(roomId)) {
          gap = true;
          continue; // the catch-up below reads it, with what is missing before it
        }
        // Not followed (history not loaded): nothing to fill, only to count.
        this.tracker.caughtUp(roomId, message.sequence);
      }
      fresh.push(message);
    }
    if (fresh.length > 0) this.options.handlers.onMessages(roomId, fresh, read);
    if (gap) void this.catchUpRoom(roomId);
  }

  /** Reads `after=` pages from the room's mark (or `from`) until nothing more is after; one at a time per room. */
  private catchUpRoom(roomId: number, from?: number): Promise<void> {
    const previous = this.catchUps.get(roomId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const after = from ?? this.tracker.get(roomId);
      if (after === undefined || this.stopped || !this.followed.has(roomId)) return;
      try {
        const result = await catchUp(after, async (cursor) => {
          const data = await this.options.api.messages(this.options.userId, roomId, { after: cursor, limit: 100 });
          return { messages: data.messages, page: data.page };
        });
        const known = this.tracker.get(roomId) ?? 0;
        const fresh = result.messages.filter((m) => m.sequence > known || (from !== undefined && m.sequence > from));
        this.tracker.caughtUp(roomId, result.through);
        if (fresh.length > 0) this.options.handlers.onMessages(roomId, fresh, true);
        if (!result.complete) void this.catchUpRoom(roomId);
      } catch (err) {
        // 404: the room is gone or we are no longer a member; anything else is retried on the next arrival or reconnect.
        if (err instanceof ApiError && err.status === 404) this.options.handlers.onRoomsStale();
      }
    });
    this.catchUps.set(roomId, next);
    void next.finally(() => {
      if (this.catchUps.get(roomId) === next) this.catchUps.delete(roomId);
    });
    return next;
  }

  private resumeAll(): void {
    for (const roomId of this.followed) void this.catchUpRoom(roomId);
    this.options.handlers.onRoomsStale();
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.handlers.onStatus(status);
  }

  private readonly onOnline = (): void => {
    if (this.stopped) return;
    if (this.options.wsUrl && !this.socket) {
      clearTimeout(this.reconnectTimer);
      this.socketAttempt = 0;
      this.connect();
    }
    this.wake?.();
  };

  // ---- the socket ----------------------------------------------------------------------------

  private socketUrl(): string {
    const url = new URL(this.options.wsUrl!);
    const token = this.options.token?.();
    if (token) url.searchParams.set('token', token);
    else url.searchParams.set('user_id', String(this.options.userId));
    return url.toString();
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.status === undefined) this.setStatus('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.socketUrl());
    } catch {
      this.socketDown();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.socketAttempt = 0;
      this.stopPolling();
      this.setStatus('socket');
      this.startPing(socket);
      this.resumeAll();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const frame = parseFrame(event.data);
      if (frame) this.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.socketDown();
    };
    socket.onerror = () => socket.close();
  }

  private socketDown(): void {
    this.stopPing();
    if (this.stopped) return;
    this.startPolling();
    const delay = backoffDelay(this.socketAttempt++);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onFrame(frame: ServerFrame): void {
    const { handlers } = this.options;
    if (frame.type === 'pong') {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
      return;
    }
    if (frame.type === 'error') {
      // The server does not know this connection (its item expired or was evicted): a new one.
      if (frame.code === 'not_connected') this.socket?.close(4001, 'not connected');
      // A typing frame for a room we are no longer in: the room list is out of date.
      else if (frame.code === 'forbidden') handlers.onRoomsStale();
      return;
    }
    if (!handlers.knownRooms().has(frame.room_id)) handlers.onRoomsStale();
    switch (frame.type) {
      case 'message':
        this.ingest(frame.room_id, [frame.message], false);
        return;
      case 'member_joined':
        handlers.onMember(frame.room_id, frame.user, 'joined');
        return;
      case 'member_left':
        handlers.onMember(frame.room_id, frame.user, 'left');
        return;
      case 'read':
        handlers.onRead(frame.room_id, frame.user, frame.last_seen_sequence);
        return;
      case 'typing':
        handlers.onTyping(frame.room_id, frame.user);
        return;
    }
  }

  /** A ping every 30 s; no pong within 10 s means the connection is dead though not closed. */
  private startPing(socket: WebSocket): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(encodeFrame({ action: 'ping' }));
      this.pongTimer ??= setTimeout(() => socket.close(4000, 'no pong'), PONG_TIMEOUT_MS);
    }, PING_INTERVAL_MS);
  }

  private stopPing(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = undefined;
    this.pongTimer = undefined;
  }

  // ---- the long poll (fallback) --------------------------------------------------------------

  private startPolling(): void {
    if (this.polling || this.stopped) return;
    const controller = new AbortController();
    this.polling = controller;
    if (this.status !== 'offline') this.setStatus('polling');
    void this.pollLoop(controller);
  }

  private stopPolling(): void {
    this.polling?.abort();
    this.polling = undefined;
    this.wake?.();
  }

  private async pollLoop(controller: AbortController): Promise<void> {
    const { api, userId, handlers } = this.options;
    let failures = 0;
    let first = true;
    while (!controller.signal.aborted && !this.stopped) {
      try {
        const rooms = await api.unseen(userId, POLL_WAIT_SECONDS, controller.signal);
        if (controller.signal.aborted) return;
        failures = 0;
        this.setStatus(this.socket?.readyState === WebSocket.OPEN ? 'socket' : 'polling');
        if (first) {
          first = false;
          this.resumeAll(); // what happened while neither the socket nor the poll was up
        }
        const known = handlers.knownRooms();
        let news = false;
        for (const room of rooms) {
          if (!known.has(room.id)) news = true;
          if (room.messages.length > 0) {
            news = true;
            this.ingest(room.id, room.messages, true);
          }
        }
        // The poll watches only the rooms the user had when it began: a quiet answer is the moment
        // to look for rooms that appeared since (a first direct message, being added to a room).
        if (!news || rooms.some((room) => !known.has(room.id))) handlers.onRoomsStale();
        handlers.onPolled();
        if (rooms.length === 0) await this.pause(EMPTY_POLL_PAUSE_MS, controller.signal);
      } catch (err) {
        if (controller.signal.aborted || (err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 401) return; // signed out by the session
        this.setStatus('offline');
        await this.pause(backoffDelay(failures++), controller.signal);
      }
    }
  }

  /** Sleeps, cut short by stop(), the socket coming back, or the browser going online. */
  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.wake = done;
    });
  }
}
