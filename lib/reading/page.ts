import { MAX_SEQUENCE } from '../repository/keys.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/**
 * What a client asks for: `limit` messages, older than `before` and/or newer than `after`
 * (sequence numbers, exclusive). Neither: the newest page.
 */
export interface PageRequest {
  limit: number;
  before?: number;
  after?: number;
}

/**
 * The one Query a page needs: sequences `from`..`to` (inclusive), newest first when reading
 * backwards, and `fetch` items at most — one more than the page, to learn whether more remain.
 */
export interface PageQuery {
  from: number;
  to: number;
  newestFirst: boolean;
  fetch: number;
}

/** The cursors of a page. `prev` is passed as `before`, `next` as `after`; null when nothing is there. */
export interface PageInfo {
  limit: number;
  prev: number | null;
  next: number | null;
  has_more_before: boolean;
  has_more_after: boolean;
}

/** The Query of a page, or undefined when the requested range is empty (no Query needed). */
export function pageQuery(request: PageRequest): PageQuery | undefined {
  const from = request.after === undefined ? 1 : request.after + 1;
  const to = request.before === undefined ? MAX_SEQUENCE : request.before - 1;
  if (from > to) return undefined;
  return { from, to, newestFirst: request.after === undefined, fetch: request.limit + 1 };
}

export interface QueriedRange<T extends { sequence: number }> {
  /** Items in Query order (newest first when reading backwards). */
  items: T[];
  /** DynamoDB answered with a LastEvaluatedKey: it stopped early (at `fetch` items or at 1 MB). */
  cut: boolean;
}

/**
 * Turns the Query's answer into a page in chronological order with its cursors. In the reading
 * direction, more remain when the Query found more than `limit` items or stopped early at its 1 MB
 * boundary — then the page is shorter and its cursor continues right after the last item returned,
 * so nothing is ever skipped. In the other direction the answer follows from the room's
 * `lastSequence`: a room's sequences are contiguous from 1.
 */
export function toPage<T extends { sequence: number }>(
  request: PageRequest,
  answer: QueriedRange<T> | undefined,
  lastSequence: number,
): { items: T[]; page: PageInfo } {
  const from = request.after === undefined ? 1 : request.after + 1;
  const to = request.before === undefined ? MAX_SEQUENCE : request.before - 1;
  const fetched = answer?.items ?? [];
  const kept = fetched.slice(0, request.limit);
  const truncated = kept.length > 0 && (fetched.length > request.limit || answer?.cut === true);
  const backwards = request.after === undefined;
  const items = backwards ? [...kept].reverse() : kept;
  const oldest = items[0]?.sequence;
  const newest = items.at(-1)?.sequence;

  const hasMoreBefore = backwards ? truncated : from > 1 && lastSequence > 0;
  const hasMoreAfter = backwards ? to < lastSequence : truncated || to < lastSequence;
  return {
    items,
    page: {
      limit: request.limit,
      prev: hasMoreBefore ? (oldest ?? Math.min(from, lastSequence + 1)) : null,
      next: hasMoreAfter ? (newest ?? Math.max(to, 0)) : null,
      has_more_before: hasMoreBefore,
      has_more_after: hasMoreAfter,
    },
  };
}
