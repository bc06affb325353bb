import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { ServerFrame } from '../../lib/realtime/frames.ts';

/** Every wait of these tests is bounded: this long at most, then the test fails. */
export const WAIT_MS = 45_000;

/** A WebSocket opened with Node's global client, collecting the JSON frames it receives. */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  readonly #socket: WebSocket;
  readonly #waiters = new Set<() => void>();
  closed = false;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
      for (const wake of this.#waiters) wake();
    });
    socket.addEventListener('close', () => {
      this.closed = true;
      for (const wake of this.#waiters) wake();
    });
  }

  /** Opens `url`; rejects if the server refuses or nothing happens within 10 s. */
  static open(url: string): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`${url} did not open within 10 s`));
      }, 10_000);
      const client = new TestSocket(socket);
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      socket.addEventListener('error', () => {
        clearTimeout(timer);
        reject(new Error(`${url} was refused`));
      });
    });
  }

  send(frame: unknown): void {
    this.#socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Frames of one type (and room). */
  ofType<T extends ServerFrame['type']>(type: T, roomId?: number): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((f) => f.type === type && (roomId === undefined || ('room_id' in f && f.room_id === roomId))) as Extract<ServerFrame, { type: T }>[];
  }

  /** Resolves once `condition` holds (checked on every frame); fails after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.frames.length} frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** Closes (a normal close: serverless-offline runs $disconnect) and waits for it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.#socket.close();
    await this.until(() => this.closed, 'the close', 10_000);
  }
}

/**
 * The HTTP status of a WebSocket handshake (101 when accepted, closed again at once): Node's
 * WebSocket client reports a refusal only as an error, without its status.
 */
export function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url.replace(/^ws/, 'http'));
    const req = request(target, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
      timeout: 10_000,
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no handshake answer from ${url} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Waits until `condition` resolves true: at most `tries` checks, `pauseMs` apart. */
export async function eventually(condition: () => Promise<boolean>, what: string, tries = 100, pauseMs = 100): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`${what}: still not true after ${tries} checks`);
}
