/**
 * listMessages: latency of the newest page of a room's history over HTTP, as the room grows.
 * Rooms of each size are seeded directly in DynamoDB (seed.ts); requests go round-robin over the
 * rooms, so a drift of the machine (another process waking up) affects every size alike.
 */
import { BenchHttp, expectStatus } from './http.ts';
import { createRoom, createUsers, seedMessages, type BenchUser } from './seed.ts';
import { elapsedMs, latency, round, type Latency } from './stats.ts';

export interface ListMessagesConfig {
  sizes: number[];
  pageSize: number;
  /** Timed requests per room size. */
  samples: number;
  /** Untimed requests per room size first (cold handler, connection). */
  warmup: number;
}

export interface ListMessagesResult {
  bySize: Record<string, Latency>;
  /** p50 at the largest size / p50 at the smallest. */
  flatRatio: number;
  /** The largest room, for the DynamoDB cost of a page. */
  largestRoom: { roomId: number; member: BenchUser; size: number };
  seedSeconds: number;
}

export const messagesPath = (roomId: number, userId: number, limit: number) => `/chat/messages/${roomId}/?user_id=${userId}&limit=${limit}`;

export async function listMessages(http: BenchHttp, config: ListMessagesConfig, log: (line: string) => void): Promise<ListMessagesResult> {
  const sizes = [...config.sizes].sort((a, b) => a - b);
  const seedStart = performance.now();
  const [member] = await createUsers(1, 'reader');
  const rooms: { size: number; roomId: number }[] = [];
  for (const size of sizes) {
    const room = await createRoom([member!], `history${size}`);
    await seedMessages(room.id, member!.id, size);
    rooms.push({ size, roomId: room.id });
    log(`  seeded room ${room.id} with ${size} messages`);
  }
  const seedSeconds = round(elapsedMs(seedStart) / 1000, 1);

  for (const { size, roomId } of rooms) {
    const answer = expectStatus(await http.get(messagesPath(roomId, member!.id, config.pageSize)), 200, `GET messages of a ${size}-message room`);
    const messages = answer.body?.data?.messages;
    if (!Array.isArray(messages)) throw new Error(`GET messages: no data.messages array in ${JSON.stringify(answer.body).slice(0, 300)}`);
    const expected = Math.min(size, config.pageSize);
    if (messages.length !== expected) throw new Error(`GET messages of a ${size}-message room: ${messages.length} messages, expected ${expected}`);
    const newest = Math.max(...messages.map((m: { sequence: number }) => Number(m.sequence)));
    if (newest !== size) throw new Error(`GET messages of a ${size}-message room: newest sequence ${newest}, expected ${size} (not the newest page)`);
  }

  const samples = new Map<number, number[]>(sizes.map((size) => [size, []]));
  for (let round = 0; round < config.warmup + config.samples; round++) {
    for (let i = 0; i < rooms.length; i++) {
      const { size, roomId } = rooms[(i + round) % rooms.length]!;
      const answer = expectStatus(await http.get(messagesPath(roomId, member!.id, config.pageSize)), 200, 'GET messages');
      if (round >= config.warmup) samples.get(size)!.push(answer.ms);
    }
  }

  const bySize = Object.fromEntries(sizes.map((size) => [String(size), latency(samples.get(size)!)]));
  const smallest = bySize[String(sizes[0])]!;
  const largest = bySize[String(sizes.at(-1))]!;
  const last = rooms.at(-1)!;
  return {
    bySize,
    flatRatio: round(largest.p50Ms / smallest.p50Ms),
    largestRoom: { roomId: last.roomId, member: member!, size: last.size },
    seedSeconds,
  };
}
