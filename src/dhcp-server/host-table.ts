import type { HostBinding } from './host-binding.js';
import type { LeaseTime } from './lease-time.js';
import { hashMac, macText, macToNumbers, parsedMac, parseMacInto } from './mac-numbers.js';

/** Summary figures of a table, for the reload log line. */
export interface HostTableStats {
  readonly entries: number;
  readonly macs: number;
  readonly clientIds: number;
  /** Addresses given to more than one entry (dnsmasq warns about these too). */
  readonly duplicateAddresses: number;
}

/** The rare per-host extras, kept in a side map so the common host costs only typed-array slots. */
interface RowExtras {
  readonly tags: readonly string[];
  readonly lease: LeaseTime | undefined;
  readonly clientId: string | undefined;
}

const FLAG_HAS_MAC = 1;
const FLAG_IGNORE = 2;
const FLAG_HAS_NAME = 4;
const NO_TAGS: readonly string[] = Object.freeze([]);
const LATIN1 = new TextDecoder('latin1');

/**
 * Accumulates hosts into growable typed arrays. Memory matters here: 65,000 hosts must fit in a few MB
 * (about 40 bytes per host plus its short name), because the whole server has to stay under 60 MB RSS.
 * So a host is a row of numbers (MAC, address, flags, name offset) and names share one byte store with
 * their domain suffix (".openstacklocal") interned; tags, client-ids and per-host leases are rare and
 * live in side maps.
 */
export class HostTableBuilder {
  private count = 0;
  private capacity: number;
  private macHigh: Uint16Array;
  private macLow: Uint32Array;
  private addresses: Uint32Array;
  private lines: Uint32Array;
  private flags: Uint8Array;
  private nameOffsets: Uint32Array;
  private nameLengths: Uint8Array;
  private suffixIds: Uint16Array;
  private names: Uint8Array;
  private namesUsed = 0;
  private readonly suffixes: string[] = [''];
  private readonly suffixIndex = new Map<string, number>([['', 0]]);
  private readonly extras = new Map<number, RowExtras>();
  private readonly clientIds = new Map<string, number[]>();

  /**
   * `expectedRows` and `expectedNameBytes` size the arrays up front (from the file size), so a big file
   * is not copied through doubling arrays, which would leave freed buffers behind in the process's RSS.
   */
  constructor(expectedRows = 256, expectedNameBytes = 4096) {
    this.capacity = Math.max(16, expectedRows);
    this.macHigh = new Uint16Array(this.capacity);
    this.macLow = new Uint32Array(this.capacity);
    this.addresses = new Uint32Array(this.capacity);
    this.lines = new Uint32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.nameOffsets = new Uint32Array(this.capacity);
    this.nameLengths = new Uint8Array(this.capacity);
    this.suffixIds = new Uint16Array(this.capacity);
    this.names = new Uint8Array(Math.max(256, expectedNameBytes));
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends Uint8Array | Uint16Array | Uint32Array>(old: T, make: (n: number) => T): T => {
      const next = make(this.capacity);
      next.set(old);
      return next;
    };
    this.macHigh = grown(this.macHigh, (n) => new Uint16Array(n));
    this.macLow = grown(this.macLow, (n) => new Uint32Array(n));
    this.addresses = grown(this.addresses, (n) => new Uint32Array(n));
    this.lines = grown(this.lines, (n) => new Uint32Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
    this.nameOffsets = grown(this.nameOffsets, (n) => new Uint32Array(n));
    this.nameLengths = grown(this.nameLengths, (n) => new Uint8Array(n));
    this.suffixIds = grown(this.suffixIds, (n) => new Uint16Array(n));
  }

  private storeName(row: number, source: Uint8Array, start: number, end: number): void {
    let dot = start;
    while (dot < end && source[dot] !== 46) dot++;
    const shortLength = Math.min(dot - start, 255);
    if (this.namesUsed + shortLength > this.names.length) {
      const next = new Uint8Array(this.names.length * 2 + shortLength);
      next.set(this.names.subarray(0, this.namesUsed));
      this.names = next;
    }
    this.names.set(source.subarray(start, start + shortLength), this.namesUsed);
    this.nameOffsets[row] = this.namesUsed;
    this.nameLengths[row] = shortLength;
    this.namesUsed += shortLength;
    const suffix = dot < end ? LATIN1.decode(source.subarray(dot, end)) : '';
    let id = this.suffixIndex.get(suffix);
    if (id === undefined) {
      id = this.suffixes.length;
      if (id > 0xffff)
        id = 0; // absurdly many domains: keep the short name only
      else {
        this.suffixes.push(suffix);
        this.suffixIndex.set(suffix, id);
      }
    }
    this.suffixIds[row] = id;
    this.flags[row] = (this.flags[row] ?? 0) | FLAG_HAS_NAME;
  }

  /** Adds the common line shape `MAC,NAME,IP` straight from file bytes (no strings made). */
  addSimple(
    high: number,
    low: number,
    ip: number,
    source: Uint8Array,
    nameStart: number,
    nameEnd: number,
    line: number,
  ): void {
    if (this.count === this.capacity) this.grow();
    const row = this.count++;
    this.macHigh[row] = high;
    this.macLow[row] = low;
    this.addresses[row] = ip;
    this.lines[row] = line;
    this.flags[row] = FLAG_HAS_MAC;
    if (nameEnd > nameStart) this.storeName(row, source, nameStart, nameEnd);
  }

  /** Adds a parsed entry of any shape (one row per MAC, or one MAC-less row for a client-id entry). */
  addEntry(entry: HostBinding): void {
    const macs = entry.macs.length === 0 ? [undefined] : entry.macs;
    const nameBytes = entry.name === undefined ? undefined : Buffer.from(entry.name, 'latin1');
    for (const mac of macs) {
      const numbers = mac === undefined ? undefined : macToNumbers(mac);
      if (mac !== undefined && numbers === undefined) continue;
      if (this.count === this.capacity) this.grow();
      const row = this.count++;
      this.macHigh[row] = numbers?.[0] ?? 0;
      this.macLow[row] = numbers?.[1] ?? 0;
      this.addresses[row] = entry.ip;
      this.lines[row] = entry.line;
      this.flags[row] = (numbers === undefined ? 0 : FLAG_HAS_MAC) | (entry.ignore ? FLAG_IGNORE : 0);
      if (nameBytes !== undefined) this.storeName(row, nameBytes, 0, nameBytes.length);
      if (entry.tags.length > 0 || entry.lease !== undefined || entry.clientId !== undefined) {
        this.extras.set(row, { tags: entry.tags, lease: entry.lease, clientId: entry.clientId });
      }
      if (entry.clientId !== undefined) {
        const rows = this.clientIds.get(entry.clientId);
        if (rows === undefined) this.clientIds.set(entry.clientId, [row]);
        else rows.push(row);
      }
    }
  }

  /** Indexes the rows by MAC (open addressing; later lines first) and freezes the table. */
  finish(): HostTable {
    const n = this.count;
    let size = 16;
    while (size < n * 2) size *= 2;
    const slots = new Int32Array(size).fill(-1);
    const previousSameMac = new Map<number, number>();
    let macs = 0;
    for (let row = 0; row < n; row++) {
      const flags = this.flags[row] ?? 0;
      if ((flags & FLAG_HAS_MAC) === 0) continue;
      const high = this.macHigh[row] ?? 0;
      const low = this.macLow[row] ?? 0;
      let slot = hashMac(high, low, size - 1);
      for (;;) {
        const current = slots[slot] ?? -1;
        if (current === -1) {
          slots[slot] = row;
          macs++;
          break;
        }
        if (this.macHigh[current] === high && this.macLow[current] === low) {
          previousSameMac.set(row, current);
          slots[slot] = row;
          break;
        }
        slot = (slot + 1) & (size - 1);
      }
    }
    // Keep the arrays when they are mostly used (no copy, no garbage); trim them when much is unused.
    const fit = <T extends Uint8Array | Uint16Array | Uint32Array>(array: T, used: number): T =>
      used >= array.length * 0.7 ? (array.subarray(0, used) as T) : (array.slice(0, used) as T);
    const store: HostStore = {
      macHigh: fit(this.macHigh, n),
      macLow: fit(this.macLow, n),
      addresses: fit(this.addresses, n),
      lines: fit(this.lines, n),
      flags: fit(this.flags, n),
      nameOffsets: fit(this.nameOffsets, n),
      nameLengths: fit(this.nameLengths, n),
      suffixIds: fit(this.suffixIds, n),
      names: fit(this.names, this.namesUsed),
      suffixes: this.suffixes,
      extras: this.extras,
      clientIds: this.clientIds,
      slots,
      previousSameMac,
    };
    return HostTable.fromStore(store, {
      entries: n,
      macs,
      clientIds: this.clientIds.size,
      duplicateAddresses: this.countDuplicateAddresses(n),
    });
  }

  /** Addresses used by more than one (non-ignored) row; sorts a typed copy, so no 65k-entry Set on the heap. */
  private countDuplicateAddresses(n: number): number {
    const used = new Uint32Array(n);
    let count = 0;
    for (let row = 0; row < n; row++) {
      if (((this.flags[row] ?? 0) & FLAG_IGNORE) === 0) used[count++] = this.addresses[row] ?? 0;
    }
    const sorted = used.subarray(0, count).sort();
    let duplicates = 0;
    for (let i = 1; i < count; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
    return duplicates;
  }
}

/** The frozen arrays of a table. */
interface HostStore {
  readonly macHigh: Uint16Array;
  readonly macLow: Uint32Array;
  readonly addresses: Uint32Array;
  readonly lines: Uint32Array;
  readonly flags: Uint8Array;
  readonly nameOffsets: Uint32Array;
  readonly nameLengths: Uint8Array;
  readonly suffixIds: Uint16Array;
  readonly names: Uint8Array;
  readonly suffixes: readonly string[];
  readonly extras: ReadonlyMap<number, RowExtras>;
  readonly clientIds: ReadonlyMap<string, readonly number[]>;
  readonly slots: Int32Array;
  readonly previousSameMac: ReadonlyMap<number, number>;
}

/**
 * What the engine's lookup stage needs from a host table (immutable here, incremental in the agent).
 * `macHigh`/`macLow`: the same MAC as `mac` as two numbers (mac-numbers.ts), when the request's chaddr is
 * a 6-byte MAC (the lookup stage reads them from the bytes): the tables key on them without hashing or
 * parsing the text (issue 17 item 3). -1 (the default): not given, the text is used.
 */
export interface HostLookup {
  find(
    mac: string,
    clientId: string | undefined,
    accept: (ip: number) => boolean,
    macHigh?: number,
    macLow?: number,
  ): { readonly entry: HostBinding | undefined; readonly known: boolean };
}

/**
 * The static bindings of one served network, indexed by MAC (an open-addressing hash over typed arrays)
 * and by client-id: lookups are O(1) in the number of hosts. Immutable once built: a reload builds a new
 * table and swaps the reference.
 */
export class HostTable implements HostLookup {
  /** Entries built so far, by row (sparse): see {@link HostTable.entryAt}. */
  private entries: (HostBinding | undefined)[] = [];

  private constructor(
    private readonly store: HostStore,
    readonly stats: HostTableStats,
  ) {}

  /** @internal used by {@link HostTableBuilder.finish}. */
  static fromStore(store: HostStore, stats: HostTableStats): HostTable {
    return new HostTable(store, stats);
  }

  /** Indexes entries (in file order; a later entry for the same key wins). */
  static build(entries: readonly HostBinding[]): HostTable {
    const builder = new HostTableBuilder();
    for (const entry of entries) builder.addEntry(entry);
    return builder.finish();
  }

  /** An empty table (no host is served). */
  static empty(): HostTable {
    return new HostTableBuilder().finish();
  }

  /**
   * Hands the table's memory back at the next scavenge instead of the next full collection. A table
   * replaced on reload lives in the old generation, whose typed arrays V8 frees only when it collects
   * their owner — which an idle server may not do for hours (~3.5 MiB kept after each SIGHUP at 65,000
   * hosts). Transferring every buffer to a throw-away clone detaches it here (this table is unusable
   * afterwards) and leaves the memory to young objects, which a cheap minor GC frees.
   */
  release(): void {
    const s = this.store;
    const arrays = [s.macHigh, s.macLow, s.addresses, s.lines, s.flags, s.nameOffsets, s.nameLengths];
    const buffers = new Set([...arrays, s.suffixIds, s.names, s.slots].map((a) => a.buffer as ArrayBuffer));
    structuredClone([...buffers], { transfer: [...buffers] });
    this.entries = [];
  }

  /**
   * The entry of one row, built on its first lookup and kept: a host asks again every lease renewal, and
   * rebuilding (name decode, MAC text, an object) per packet was garbage on the hot path (issue 17 item 3).
   * The table is immutable, so nothing invalidates an entry; only rows that were looked up hold one.
   */
  private entryAt(row: number): HostBinding {
    const cached = this.entries[row];
    if (cached !== undefined) return cached;
    const entry = this.buildEntry(row);
    this.entries[row] = entry;
    return entry;
  }

  /** Rebuilds the entry of one row from the typed arrays. */
  private buildEntry(row: number): HostBinding {
    const s = this.store;
    const flags = s.flags[row] ?? 0;
    const extras = s.extras.get(row);
    let name: string | undefined;
    if ((flags & FLAG_HAS_NAME) !== 0) {
      const offset = s.nameOffsets[row] ?? 0;
      name =
        LATIN1.decode(s.names.subarray(offset, offset + (s.nameLengths[row] ?? 0))) +
        (s.suffixes[s.suffixIds[row] ?? 0] ?? '');
    }
    return {
      macs: (flags & FLAG_HAS_MAC) === 0 ? [] : [macText(s.macHigh[row] ?? 0, s.macLow[row] ?? 0)],
      clientId: extras?.clientId,
      ip: s.addresses[row] ?? 0,
      name,
      tags: extras?.tags ?? NO_TAGS,
      lease: extras?.lease,
      ignore: (flags & FLAG_IGNORE) !== 0,
      line: s.lines[row] ?? 0,
    };
  }

  private acceptable(row: number, accept: (ip: number) => boolean): boolean {
    return ((this.store.flags[row] ?? 0) & FLAG_IGNORE) !== 0 || accept(this.store.addresses[row] ?? 0);
  }

  /** The newest row for this MAC, or -1. */
  private macRow(mac: string): number {
    if (!parseMacInto(mac)) return -1;
    return this.macRowOf(parsedMac.high, parsedMac.low);
  }

  /** The newest row for the MAC given as numbers, or -1. */
  private macRowOf(high: number, low: number): number {
    const s = this.store;
    const mask = s.slots.length - 1;
    let slot = hashMac(high, low, mask);
    for (;;) {
      const row = s.slots[slot] ?? -1;
      if (row === -1) return -1;
      if (s.macHigh[row] === high && s.macLow[row] === low) return row;
      slot = (slot + 1) & mask;
    }
  }

  /**
   * Finds the binding of a client: by client-id (option 61) first, then by MAC, as dnsmasq's
   * `find_config` does; only entries whose address passes `accept` (the request's subnets) are
   * considered, later lines first. Also says whether the client is known at all, so callers can tell
   * "unknown" from "known, but not on this subnet".
   */
  find(
    mac: string,
    clientId: string | undefined,
    accept: (ip: number) => boolean,
    macHigh = -1,
    macLow = -1,
  ): { readonly entry: HostBinding | undefined; readonly known: boolean } {
    let known = false;
    const byId = clientId === undefined ? undefined : this.store.clientIds.get(clientId);
    if (byId !== undefined) {
      known = true;
      for (let i = byId.length - 1; i >= 0; i--) {
        const row = byId[i] ?? -1;
        if (row >= 0 && this.acceptable(row, accept)) return { entry: this.entryAt(row), known };
      }
    }
    const first = macHigh >= 0 ? this.macRowOf(macHigh, macLow) : this.macRow(mac);
    for (let row = first; row !== -1; row = this.store.previousSameMac.get(row) ?? -1) {
      known = true;
      if (this.acceptable(row, accept)) return { entry: this.entryAt(row), known };
    }
    return { entry: undefined, known };
  }
}
