/**
 * A typed view of `nft -j list table …` (nftables.ts): what the router data plane compares its desired
 * table with. Only what it compares is kept: handles (to show nothing was recreated), each chain's rules by
 * comment in order (every rule qdhcp writes carries a comment that spells out its parameters), and the
 * elements of sets and maps as text. Parsed defensively (unknown fields ignored). Pure.
 *
 * @module
 */

/** One chain: its handle and its rules in order. */
export interface ObservedNftChain {
  readonly handle: number;
  /** Each rule's comment ('' when it has none: a rule qdhcp did not write). */
  readonly ruleComments: readonly string[];
  readonly ruleHandles: readonly number[];
}

/** One table. Set elements and map keys/values are text: `10.0.0.5`, `10.0.0.0/24`, `10.0.0.1-10.0.0.9`. */
export interface ObservedNftTable {
  readonly handle: number;
  readonly chains: ReadonlyMap<string, ObservedNftChain>;
  readonly sets: ReadonlyMap<string, readonly string[]>;
  readonly maps: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An element or map key/value as text; undefined for a form qdhcp never writes. */
export function elementText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const object = record(value);
  if (object === undefined) return undefined;
  // An element with options (timeout, comment) wraps its value.
  if ('elem' in object) return elementText(record(object['elem'])?.['val']);
  const prefix = record(object['prefix']);
  if (prefix !== undefined) {
    const address = elementText(prefix['addr']);
    return address === undefined ? undefined : `${address}/${String(prefix['len'])}`;
  }
  const range = object['range'];
  if (Array.isArray(range) && range.length === 2) {
    const [low, high] = range.map(elementText);
    return low === undefined || high === undefined ? undefined : `${low}-${high}`;
  }
  return undefined;
}

function elements(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Parses the `nftables` array of one listed table (metainfo and other entries are skipped). */
export function parseNftTable(entries: readonly unknown[]): ObservedNftTable {
  let handle = -1;
  const chains = new Map<string, { handle: number; ruleComments: string[]; ruleHandles: number[] }>();
  const sets = new Map<string, string[]>();
  const maps = new Map<string, Map<string, string>>();
  const chainOf = (name: string) => {
    let chain = chains.get(name);
    if (chain === undefined) {
      chain = { handle: -1, ruleComments: [], ruleHandles: [] };
      chains.set(name, chain);
    }
    return chain;
  };
  for (const raw of entries) {
    const entry = record(raw);
    if (entry === undefined) continue;
    const table = record(entry['table']);
    if (table !== undefined && typeof table['handle'] === 'number') handle = table['handle'];
    const chain = record(entry['chain']);
    if (chain !== undefined && typeof chain['name'] === 'string') {
      chainOf(chain['name']).handle = typeof chain['handle'] === 'number' ? chain['handle'] : -1;
    }
    const rule = record(entry['rule']);
    if (rule !== undefined && typeof rule['chain'] === 'string') {
      const target = chainOf(rule['chain']);
      target.ruleComments.push(typeof rule['comment'] === 'string' ? rule['comment'] : '');
      target.ruleHandles.push(typeof rule['handle'] === 'number' ? rule['handle'] : -1);
    }
    const set = record(entry['set']);
    if (set !== undefined && typeof set['name'] === 'string') {
      sets.set(
        set['name'],
        elements(set['elem'])
          .map(elementText)
          .filter((text): text is string => text !== undefined),
      );
    }
    const map = record(entry['map']);
    if (map !== undefined && typeof map['name'] === 'string') {
      const pairs = new Map<string, string>();
      for (const pair of elements(map['elem'])) {
        if (!Array.isArray(pair) || pair.length !== 2) continue;
        const key = elementText(pair[0]);
        const value = elementText(pair[1]);
        if (key !== undefined && value !== undefined) pairs.set(key, value);
      }
      maps.set(map['name'], pairs);
    }
  }
  return { handle, chains, sets, maps };
}
