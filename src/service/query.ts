/**
 * Sorting and pagination of list results (spec 1.2), on the views the API returns. `id` ascending is
 * always the last sort key so pages are deterministic; markers are ids of items in that order.
 *
 * @module
 */

/** The list filters the API builds from a query string, as the repositories take them (api/ does not import db/). */
export type { EqualsFilter, FilterValue, FixedIpsFilter } from '../db/index.js';

/** One sort key and its direction. */
export interface SortKey {
  readonly key: string;
  readonly direction: 'asc' | 'desc';
}

/** What page of a list to return. */
export interface PageRequest {
  readonly sort: readonly SortKey[];
  /** 0 or undefined: everything. */
  readonly limit?: number;
  readonly marker?: string;
  readonly pageReverse: boolean;
}

/** One page of results. */
export interface Page<T> {
  readonly items: T[];
  /** False when the marker was not in the list. */
  readonly markerFound: boolean;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sorts by the keys, then `id` ascending. Returns a new array. */
export function sortItems<T extends { readonly id: string }>(
  items: readonly T[],
  sort: readonly SortKey[],
): T[] {
  const keys: SortKey[] = [...sort];
  if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', direction: 'asc' });
  return [...items].sort((x, y) => {
    for (const { key, direction } of keys) {
      const c = compareValues((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]);
      if (c !== 0) return direction === 'asc' ? c : -c;
    }
    return 0;
  });
}

/**
 * Cuts one page out of the sorted list: after the marker, or (page_reverse) the `limit` items before
 * it — the last page when there is no marker — still in sort order.
 */
export function paginate<T extends { readonly id: string }>(
  sorted: readonly T[],
  request: PageRequest,
): Page<T> {
  const limit = request.limit && request.limit > 0 ? request.limit : undefined;
  let markerIndex: number | undefined;
  if (request.marker !== undefined) {
    const index = sorted.findIndex((item) => item.id === request.marker);
    if (index < 0)
      return { items: limit === undefined ? [...sorted] : sorted.slice(0, limit), markerFound: false };
    markerIndex = index;
  }
  if (!request.pageReverse) {
    const start = markerIndex === undefined ? 0 : markerIndex + 1;
    return { items: sorted.slice(start, limit === undefined ? undefined : start + limit), markerFound: true };
  }
  const end = markerIndex === undefined ? sorted.length : markerIndex;
  const start = limit === undefined ? 0 : Math.max(0, end - limit);
  return { items: sorted.slice(start, end), markerFound: true };
}
