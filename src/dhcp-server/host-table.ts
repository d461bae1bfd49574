import type { HostEntry } from './dnsmasq/hosts-file.js';

/** A MAC or client-id key maps to one entry, or (rarely: one port, two subnets) to several. */
type Slot = HostEntry | HostEntry[];

/** Summary figures of a table, for the reload log line. */
export interface HostTableStats {
  readonly entries: number;
  readonly macs: number;
  readonly clientIds: number;
  /** Addresses given to more than one entry (dnsmasq warns about these too). */
  readonly duplicateAddresses: number;
}

function addToSlot(map: Map<string, Slot>, key: string, entry: HostEntry): void {
  const current = map.get(key);
  if (current === undefined) map.set(key, entry);
  else if (Array.isArray(current)) current.push(entry);
  else map.set(key, [current, entry]);
}

/** The last entry of a slot (later lines win, as in dnsmasq) whose address passes `accept`. */
function pickFromSlot(slot: Slot | undefined, accept: (ip: number) => boolean): HostEntry | undefined {
  if (slot === undefined) return undefined;
  if (!Array.isArray(slot)) return accept(slot.ip) || slot.ignore ? slot : undefined;
  for (let i = slot.length - 1; i >= 0; i--) {
    const entry = slot[i];
    if (entry !== undefined && (entry.ignore || accept(entry.ip))) return entry;
  }
  return undefined;
}

/**
 * The static bindings of one served network, indexed by MAC and by client-id (Maps: O(1) in the number of
 * hosts). Immutable once built: a reload builds a new table and swaps the reference.
 */
export class HostTable {
  private constructor(
    private readonly byMac: ReadonlyMap<string, Slot>,
    private readonly byClientId: ReadonlyMap<string, Slot>,
    readonly stats: HostTableStats,
  ) {}

  /** Indexes entries (in file order; a later entry for the same key wins). */
  static build(entries: readonly HostEntry[]): HostTable {
    const byMac = new Map<string, Slot>();
    const byClientId = new Map<string, Slot>();
    const seenAddresses = new Set<number>();
    let duplicateAddresses = 0;
    for (const entry of entries) {
      for (const mac of entry.macs) addToSlot(byMac, mac, entry);
      if (entry.clientId !== undefined) addToSlot(byClientId, entry.clientId, entry);
      if (!entry.ignore) {
        if (seenAddresses.has(entry.ip)) duplicateAddresses++;
        else seenAddresses.add(entry.ip);
      }
    }
    return new HostTable(byMac, byClientId, {
      entries: entries.length,
      macs: byMac.size,
      clientIds: byClientId.size,
      duplicateAddresses,
    });
  }

  /** An empty table (no host is served). */
  static empty(): HostTable {
    return HostTable.build([]);
  }

  /**
   * Finds the binding of a client: by client-id (option 61) first, then by MAC, as dnsmasq's
   * `find_config` does; only entries whose address passes `accept` (the request's subnets) are
   * considered. Returns whether the client is known at all, so callers can tell "unknown" from
   * "known, but not on this subnet".
   */
  find(
    mac: string,
    clientId: string | undefined,
    accept: (ip: number) => boolean,
  ): { readonly entry: HostEntry | undefined; readonly known: boolean } {
    const byId = clientId === undefined ? undefined : this.byClientId.get(clientId);
    const byMac = this.byMac.get(mac);
    const entry = pickFromSlot(byId, accept) ?? pickFromSlot(byMac, accept);
    return { entry, known: byId !== undefined || byMac !== undefined };
  }
}
