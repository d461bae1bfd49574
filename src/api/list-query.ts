/**
 * Query strings of GET requests (spec 1.2): filters (repeatable, validated against the attribute map),
 * `fields`, `sort_key`/`sort_dir`, `limit`/`marker`/`page_reverse`, the port-only `fixed_ips=key=value`
 * form; and the `<collection>_links` of a page.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { parseMac } from '../ipam/index.js';
import type { EqualsFilter, FilterValue, FixedIpsFilter, PageRequest, SortKey } from '../service/query.js';
import type { AttributeMap, FilterKind } from './attribute-map.js';
import { toBoolean, toInteger } from './converters.js';

const CONTROL_PARAMETERS = ['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse'];

/** A parsed list query. */
export interface ListQuery {
  readonly equals: EqualsFilter;
  readonly fixedIps?: FixedIpsFilter;
  readonly fields: readonly string[];
  readonly page: PageRequest;
}

function badQuery(message: string): QdhcpError {
  return new QdhcpError('INVALID_QUERY', { message });
}

/** A string as Python's repr prints it in a list: single quotes unless the text has one. */
function pythonRepr(text: string): string {
  if (text.includes("'") && !text.includes('"')) return `"${text}"`;
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function convertFilterValue(kind: FilterKind, text: string, name: string): FilterValue {
  switch (kind) {
    case 'boolean':
      return toBoolean(text, name);
    case 'integer':
      return toInteger()(text, name);
    case 'mac': {
      const parsed = parseMac(text);
      return parsed.ok ? parsed.value : text.toLowerCase();
    }
    default:
      return text;
  }
}

function parseFixedIps(values: readonly string[]): FixedIpsFilter {
  const filter: { ipAddresses: string[]; subnetIds: string[]; ipSubstrings: string[] } = {
    ipAddresses: [],
    subnetIds: [],
    ipSubstrings: [],
  };
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = value.slice(0, eq);
    const text = value.slice(eq + 1);
    if (eq <= 0) throw badQuery(`Invalid fixed_ips filter: '${value}'`);
    if (key === 'ip_address') filter.ipAddresses.push(text);
    else if (key === 'subnet_id') filter.subnetIds.push(text);
    else if (key === 'ip_address_substr') filter.ipSubstrings.push(text);
    else throw badQuery(`Invalid fixed_ips filter: '${value}'`);
  }
  return filter;
}

/**
 * Parses a collection query. `admin` decides whether admin-only attributes may be used; `allowFixedIps`
 * enables the port form of `fixed_ips=`; `maxLimit` is `pagination_max_limit` (-1 = none).
 */
export function parseListQuery(
  params: URLSearchParams,
  attributes: AttributeMap,
  options: { admin: boolean; allowFixedIps: boolean; maxLimit: number },
): ListQuery {
  const equals: Record<string, FilterValue[]> = {};
  let fixedIps: FixedIpsFilter | undefined;
  const invalid: string[] = [];
  for (const key of new Set(params.keys())) {
    if (CONTROL_PARAMETERS.includes(key)) continue;
    const values = params.getAll(key);
    if (key === 'fixed_ips' && options.allowFixedIps) {
      fixedIps = parseFixedIps(values);
      continue;
    }
    const spec = attributes[key];
    if (!spec?.filter || (spec.adminOnly && !options.admin)) {
      invalid.push(key);
      continue;
    }
    equals[key] = values.map((v) => convertFilterValue(spec.filter!, v, key));
  }
  // Neutron lists every invalid key, as Python prints a list (api_common.get_filters_from_dict).
  if (invalid.length > 0)
    throw badQuery(`[${invalid.map(pythonRepr).join(', ')}] is invalid attribute for filtering`);

  const sortKeys = params.getAll('sort_key');
  let sortDirs = params.getAll('sort_dir');
  if (sortDirs.length === 0) sortDirs = sortKeys.map(() => 'asc');
  if (sortKeys.length !== sortDirs.length)
    throw badQuery('The number of sort_keys and sort_dirs must be same');
  const sort: SortKey[] = sortKeys.map((key, index) => {
    const spec = attributes[key];
    if (!spec?.filter || (spec.adminOnly && !options.admin))
      throw badQuery(`${key} is an invalid attribute for sort_key`);
    const direction = sortDirs[index]!;
    if (direction !== 'asc' && direction !== 'desc')
      throw badQuery(`${direction} is an invalid value for sort_dir`);
    return { key, direction };
  });

  let limit: number | undefined;
  const limitText = params.get('limit');
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText))
      throw badQuery(`Limit must be an integer 0 or greater and not '${limitText}'`);
    limit = Number(limitText);
  }
  if (options.maxLimit > 0 && (limit === undefined || limit === 0 || limit > options.maxLimit))
    limit = options.maxLimit;
  const marker = params.get('marker') ?? undefined;
  const pageReverseText = params.get('page_reverse');
  const pageReverse = pageReverseText === null ? false : toBoolean(pageReverseText, 'page_reverse');
  return {
    equals,
    ...(fixedIps !== undefined && { fixedIps }),
    fields: params.getAll('fields').filter((f) => f !== ''),
    page: {
      sort,
      ...(limit !== undefined && { limit }),
      ...(marker !== undefined && { marker }),
      pageReverse,
    },
  };
}

/** Keeps only the requested fields (all when none were requested). */
export function selectFields<T extends object>(item: T, fields: readonly string[]): Partial<T> {
  if (fields.length === 0) return item;
  const out: Partial<T> = {};
  for (const field of fields) {
    if (isFieldOf(item, field)) out[field] = item[field];
  }
  return out;
}

function isFieldOf<T extends object>(item: T, field: string): field is Extract<keyof T, string> {
  return Object.hasOwn(item, field);
}

/** A pagination link. */
export interface PageLink {
  readonly rel: 'next' | 'previous';
  readonly href: string;
}

/**
 * `<collection>_links` (spec 1.2): `next` unless a forward page came back short, `previous` unless a
 * reverse page came back short; hrefs repeat the query with the new marker.
 */
export function pageLinks(
  baseUrl: string,
  params: URLSearchParams,
  items: readonly { readonly id: string }[],
  page: PageRequest,
): PageLink[] {
  if (!page.limit) return [];
  const links: PageLink[] = [];
  const withMarker = (marker: string | undefined, reverse: boolean) => {
    const next = new URLSearchParams();
    for (const [key, value] of params)
      if (key !== 'marker' && key !== 'page_reverse') next.append(key, value);
    if (marker !== undefined) next.append('marker', marker);
    if (reverse) next.append('page_reverse', 'True');
    return `${baseUrl}?${next.toString()}`;
  };
  const short = items.length < page.limit;
  if (!(short && !page.pageReverse)) links.push({ rel: 'next', href: withMarker(items.at(-1)?.id, false) });
  if (!(short && page.pageReverse)) links.push({ rel: 'previous', href: withMarker(items[0]?.id, true) });
  return links;
}
