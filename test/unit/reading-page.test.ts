import { describe, expect, it } from 'vitest';
import { parse } from '../../lib/http/validation.ts';
import { DEFAULT_PAGE_SIZE, pageQuery, toPage, type PageRequest, type QueriedRange } from '../../lib/reading/page.ts';
import { roomMessagesQuery, unseenQuery } from '../../lib/reading/schemas.ts';
import { MAX_SEQUENCE } from '../../lib/repository/keys.ts';

interface Message {
  sequence: number;
  bytes: number;
}

/**
 * DynamoDB's Query of a room of contiguous messages 1..count, modelled: Limit, direction, and the
 * 1 MB page — it stops once the items read reach `pageBytes`, with a LastEvaluatedKey.
 */
function fakeRoom(count: number, bytesOf: (sequence: number) => number, pageBytes = 1024 * 1024) {
  const all: Message[] = Array.from({ length: count }, (_, i) => ({ sequence: i + 1, bytes: bytesOf(i + 1) }));
  let queries = 0;
  return {
    lastSequence: count,
    queries: () => queries,
    read(request: PageRequest): ReturnType<typeof toPage<Message>> {
      const query = pageQuery(request);
      let answer: QueriedRange<Message> | undefined;
      if (query) {
        queries += 1;
        const range = all.filter((m) => m.sequence >= query.from && m.sequence <= query.to);
        if (query.newestFirst) range.reverse();
        const items: Message[] = [];
        let bytes = 0;
        for (const message of range) {
          if (items.length === query.fetch || bytes >= pageBytes) break;
          items.push(message);
          bytes += message.bytes;
        }
        answer = { items, cut: items.length < range.length };
      }
      return toPage(request, answer, count);
    },
  };
}

function pageBackwards(room: ReturnType<typeof fakeRoom>, limit: number) {
  const seen: number[] = [];
  let request: PageRequest = { limit };
  for (let guard = 0; guard < 10_000; guard++) {
    const { items, page } = room.read(request);
    expect(items.length).toBeLessThanOrEqual(limit);
    seen.unshift(...items.map((m) => m.sequence));
    if (page.prev === null) return seen;
    request = { limit, before: page.prev };
  }
  throw new Error('paging did not end');
}

function pageForwards(room: ReturnType<typeof fakeRoom>, limit: number) {
  const seen: number[] = [];
  let request: PageRequest = { limit, after: 0 };
  for (let guard = 0; guard < 10_000; guard++) {
    const { items, page } = room.read(request);
    seen.push(...items.map((m) => m.sequence));
    if (page.next === null) return seen;
    request = { limit, after: page.next };
  }
  throw new Error('paging did not end');
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('history pages (cursor logic against a modelled DynamoDB Query)', () => {
  it('pages a room forwards and backwards: every message exactly once, in order', () => {
    for (const [count, limit] of [[0, 10], [1, 10], [10, 10], [11, 10], [1000, 100], [257, 7]] as const) {
      const room = fakeRoom(count, () => 100);
      expect(pageBackwards(room, limit), `${count} by ${limit} backwards`).toEqual(range(1, count));
      expect(pageForwards(room, limit), `${count} by ${limit} forwards`).toEqual(range(1, count));
    }
  });

  it('never skips a message when the 1 MB boundary cuts a Query short: the page is shorter, the cursor continues', () => {
    // ~3.5 KB messages: 300 of them are more than 1 MB; pages of 300 are cut by size, not Limit.
    const room = fakeRoom(300, () => 3600);
    const cut = room.read({ limit: 300 });
    expect(cut.items.length).toBeLessThan(300);
    expect(cut.page.has_more_before).toBe(true);
    expect(cut.page.prev).toBe(cut.items[0]!.sequence);
    expect(pageBackwards(room, 300)).toEqual(range(1, 300));
    expect(pageForwards(room, 300)).toEqual(range(1, 300));
    // Irregular sizes, a small modelled page: cuts at many places.
    const irregular = fakeRoom(500, (s) => 100 + ((s * 7919) % 3000), 20_000);
    expect(pageBackwards(irregular, 100)).toEqual(range(1, 500));
    expect(pageForwards(irregular, 100)).toEqual(range(1, 500));
  });

  it('answers the newest page without parameters, with cursors both ways', () => {
    const room = fakeRoom(120, () => 100);
    const { items, page } = room.read({ limit: DEFAULT_PAGE_SIZE });
    expect(items.map((m) => m.sequence)).toEqual(range(71, 120));
    expect(page).toEqual({ limit: 50, prev: 71, next: null, has_more_before: true, has_more_after: false });
    const middle = room.read({ limit: 50, before: 71 });
    expect(middle.items.map((m) => m.sequence)).toEqual(range(21, 70));
    expect(middle.page).toEqual({ limit: 50, prev: 21, next: 70, has_more_before: true, has_more_after: true });
    const oldest = room.read({ limit: 50, before: 21 });
    expect(oldest.items.map((m) => m.sequence)).toEqual(range(1, 20));
    expect(oldest.page).toEqual({ limit: 50, prev: null, next: 20, has_more_before: false, has_more_after: true });
  });

  it('answers empty pages at either end with cursors that lead back into the room, and an empty room with none', () => {
    const room = fakeRoom(5, () => 100);
    expect(room.read({ limit: 10, before: 1 })).toEqual({ items: [], page: { limit: 10, prev: null, next: 0, has_more_before: false, has_more_after: true } });
    expect(room.read({ limit: 10, after: 5 })).toEqual({ items: [], page: { limit: 10, prev: 6, next: null, has_more_before: true, has_more_after: false } });
    expect(room.read({ limit: 10, after: 900 }).page).toMatchObject({ prev: 6, next: null });
    expect(fakeRoom(0, () => 1).read({ limit: 10 })).toEqual({ items: [], page: { limit: 10, prev: null, next: null, has_more_before: false, has_more_after: false } });
  });

  it('reads between two cursors oldest first, and needs no Query for an empty range', () => {
    const room = fakeRoom(30, () => 100);
    const between = room.read({ limit: 5, after: 10, before: 20 });
    expect(between.items.map((m) => m.sequence)).toEqual(range(11, 15));
    expect(between.page).toMatchObject({ prev: 11, next: 15, has_more_before: true, has_more_after: true });
    const queries = room.queries();
    expect(room.read({ limit: 5, after: 10, before: 11 }).items).toEqual([]);
    expect(room.queries()).toBe(queries);
  });

  it('builds one bounded Query per page: Limit one above the page, direction by cursor', () => {
    expect(pageQuery({ limit: 50 })).toEqual({ from: 1, to: MAX_SEQUENCE, newestFirst: true, fetch: 51 });
    expect(pageQuery({ limit: 100, before: 42 })).toEqual({ from: 1, to: 41, newestFirst: true, fetch: 101 });
    expect(pageQuery({ limit: 10, after: 0 })).toEqual({ from: 1, to: MAX_SEQUENCE, newestFirst: false, fetch: 11 });
    expect(pageQuery({ limit: 10, before: 1 })).toBeUndefined();
  });
});

describe('reading query schemas', () => {
  it('defaults the page to the newest 50 and reads the cursors', () => {
    expect(parse(roomMessagesQuery, { user_id: '3' })).toEqual({ page: { limit: 50 }, seenBy: false });
    expect(parse(roomMessagesQuery, { limit: '100', before: '7', after: '0', seen_by: '1' })).toEqual({ page: { limit: 100, before: 7, after: 0 }, seenBy: true });
    expect(parse(unseenQuery, {})).toEqual({ waitSeconds: 0 });
    expect(parse(unseenQuery, { wait: '20' })).toEqual({ waitSeconds: 20 });
  });

  it('refuses bad values with a 400 naming the parameter', () => {
    const bad: [Record<string, string>, string][] = [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: 'abc' }, 'limit'],
      [{ limit: '' }, 'limit'],
      [{ before: '0' }, 'before'],
      [{ before: '-1' }, 'before'],
      [{ before: '1.5' }, 'before'],
      [{ after: '99999999999999999999' }, 'after'],
      [{ after: '1000000000000' }, 'after'],
      [{ seen_by: 'yes' }, 'seen_by'],
    ];
    for (const [query, field] of bad) {
      expect(() => parse(roomMessagesQuery, query, 'query'), JSON.stringify(query)).toThrow(expect.objectContaining({ status: 400, errors: { [field]: [expect.any(String)] } }));
    }
    for (const wait of ['21', '-1', 'abc', '1.5', '']) {
      expect(() => parse(unseenQuery, { wait }, 'query'), wait).toThrow(expect.objectContaining({ status: 400, errors: { wait: [expect.any(String)] } }));
    }
  });
});
