/**
 * An immutable map from string keys, structurally shared: `set` and `delete` return a new map that copies
 * only the path to the changed entry (a 32-way hash trie, at most seven levels), so a network snapshot
 * with 10,000 ports takes a port change in O(1) copies of small arrays while the previous snapshot stays
 * valid for whoever still holds it. No dependency: a plain hash trie is about a hundred lines.
 *
 * @module
 */

const BITS = 5;
const MASK = (1 << BITS) - 1;
/** A leaf holds up to this many entries before it splits into a branch. */
const LEAF_MAX = 8;
/** Branches at shifts up to 30 use the 32-bit hash; below that, leaves only grow (full collisions). */
const LAST_BRANCH_SHIFT = 30;

interface Entry<V> {
  readonly key: string;
  readonly hash: number;
  readonly value: V;
  /** Insertion order, kept when the value is replaced (a Map's iteration order). */
  readonly seq: number;
}

type Leaf<V> = readonly Entry<V>[];

class Branch<V> {
  constructor(readonly children: readonly (Node<V> | undefined)[]) {}
}

type Node<V> = Leaf<V> | Branch<V>;

/** FNV-1a over the key's UTF-16 units (port ids are UUIDs: well spread). */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function slot(hash: number, shift: number): number {
  return (hash >>> shift) & MASK;
}

function build<V>(entries: readonly Entry<V>[], shift: number): Node<V> {
  if (entries.length <= LEAF_MAX || shift > LAST_BRANCH_SHIFT) return entries;
  const buckets: Entry<V>[][] = [];
  for (const entry of entries) {
    const index = slot(entry.hash, shift);
    const bucket = buckets[index];
    if (bucket === undefined) buckets[index] = [entry];
    else bucket.push(entry);
  }
  const children: (Node<V> | undefined)[] = new Array(1 << BITS).fill(undefined);
  buckets.forEach((bucket, index) => {
    children[index] = build(bucket, shift + BITS);
  });
  return new Branch(children);
}

function insert<V>(node: Node<V> | undefined, entry: Entry<V>, shift: number): Node<V> {
  if (node === undefined) return [entry];
  if (node instanceof Branch) {
    const index = slot(entry.hash, shift);
    const children = node.children.slice();
    children[index] = insert(node.children[index], entry, shift + BITS);
    return new Branch(children);
  }
  const at = node.findIndex((held) => held.key === entry.key);
  if (at >= 0) {
    const leaf = node.slice();
    leaf[at] = entry;
    return leaf;
  }
  return build([...node, entry], shift);
}

function remove<V>(node: Node<V> | undefined, key: string, hash: number, shift: number): Node<V> | undefined {
  if (node === undefined) return undefined;
  if (node instanceof Branch) {
    const index = slot(hash, shift);
    const child = node.children[index];
    const changed = remove(child, key, hash, shift + BITS);
    if (changed === child) return node;
    const children = node.children.slice();
    children[index] = changed;
    return children.some((each) => each !== undefined) ? new Branch(children) : undefined;
  }
  if (!node.some((held) => held.key === key)) return node;
  const leaf = node.filter((held) => held.key !== key);
  return leaf.length === 0 ? undefined : leaf;
}

function collect<V>(node: Node<V> | undefined, into: Entry<V>[]): void {
  if (node === undefined) return;
  if (node instanceof Branch) for (const child of node.children) collect(child, into);
  else into.push(...node);
}

function find<V>(root: Node<V> | undefined, key: string, hash: number): Entry<V> | undefined {
  let node = root;
  let shift = 0;
  while (node instanceof Branch) {
    node = node.children[slot(hash, shift)];
    shift += BITS;
  }
  return node?.find((entry) => entry.key === key);
}

export class PersistentMap<V> {
  private static readonly EMPTY = new PersistentMap<never>(undefined, 0, 0);

  private constructor(
    private readonly root: Node<V> | undefined,
    readonly size: number,
    private readonly nextSeq: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY;
  }

  /** Builds in one pass (O(n)), in the entries' order; a later entry with the same key wins. */
  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    const unique = new Map<string, V>(entries);
    const list = [...unique].map(([key, value], seq) => ({ key, hash: hashOf(key), value, seq }));
    return new PersistentMap(list.length === 0 ? undefined : build(list, 0), list.length, list.length);
  }

  get(key: string): V | undefined {
    return find(this.root, key, hashOf(key))?.value;
  }

  has(key: string): boolean {
    return find(this.root, key, hashOf(key)) !== undefined;
  }

  /** A map with `key` set to `value` (a replaced value keeps its place); this one is unchanged. */
  set(key: string, value: V): PersistentMap<V> {
    const hash = hashOf(key);
    const held = find(this.root, key, hash);
    const root = insert(this.root, { key, hash, value, seq: held?.seq ?? this.nextSeq }, 0);
    return held === undefined
      ? new PersistentMap(root, this.size + 1, this.nextSeq + 1)
      : new PersistentMap(root, this.size, this.nextSeq);
  }

  /** A map without `key` (this one when it is absent). */
  delete(key: string): PersistentMap<V> {
    if (!this.has(key)) return this;
    return new PersistentMap(remove(this.root, key, hashOf(key), 0), this.size - 1, this.nextSeq);
  }

  /**
   * The values in insertion order, as a `Map` iterates: the server's order of the ports reaches the
   * rendered files and the multi-agent DNS list. O(n log n).
   */
  values(): V[] {
    const entries: Entry<V>[] = [];
    collect(this.root, entries);
    return entries.sort((a, b) => a.seq - b.seq).map((entry) => entry.value);
  }
}
