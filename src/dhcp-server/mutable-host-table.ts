import type { HostBinding } from './host-binding.js';
import type { HostLookup } from './host-table.js';
import { macText, parsedMac, parseMacInto } from './mac-numbers.js';

const TWO_32 = 2 ** 32;

/**
 * The MAC text as one number (high 16 bits × 2³² + low 32), or -1 when the text is not the canonical
 * lower-case form the decoder makes of a 6-byte chaddr. A MAC is kept under exactly one key: this number
 * when it has one, else its text (other chaddr lengths, upper case); a request's MAC maps to the same key,
 * so a lookup finds exactly what a lookup by text would.
 */
function canonicalMacNumber(mac: string): number {
  if (!parseMacInto(mac) || macText(parsedMac.high, parsedMac.low) !== mac) return -1;
  return parsedMac.high * TWO_32 + parsedMac.low;
}

/**
 * A host table changed one owner (e.g. one Neutron port) at a time: `replace(owner, entries)` and
 * `remove(owner)` cost O(entries of that owner), not O(table), so a port event at 10,000 ports is a few
 * map operations. Lookup has the same contract as {@link HostTable.find} (client-id first, then MAC;
 * among several entries the latest added wins, like a later hosts-file line), so the engine takes either
 * as its {@link HostLookup}.
 */
export class MutableHostTable implements HostLookup {
  private readonly byOwner = new Map<string, readonly HostBinding[]>();
  /** Canonical MACs by their number ({@link canonicalMacNumber}): the per-packet lookup. */
  private readonly byMacNumber = new Map<number, HostBinding[]>();
  /** Every other MAC by its text. */
  private readonly byMacText = new Map<string, HostBinding[]>();
  private readonly byClientId = new Map<string, HostBinding[]>();
  private entryCount = 0;

  /** Number of entries. */
  get size(): number {
    return this.entryCount;
  }

  /** The entries an owner has now. */
  entriesOf(owner: string): readonly HostBinding[] {
    return this.byOwner.get(owner) ?? [];
  }

  /** Sets an owner's entries (replacing what it had). */
  replace(owner: string, entries: readonly HostBinding[]): void {
    this.remove(owner);
    if (entries.length === 0) return;
    this.byOwner.set(owner, entries);
    for (const entry of entries) {
      for (const mac of entry.macs) {
        const number = canonicalMacNumber(mac);
        if (number >= 0) push(this.byMacNumber, number, entry);
        else push(this.byMacText, mac, entry);
      }
      if (entry.clientId !== undefined) push(this.byClientId, entry.clientId, entry);
    }
    this.entryCount += entries.length;
  }

  /** Removes an owner's entries; nothing happens for an unknown owner. */
  remove(owner: string): void {
    const entries = this.byOwner.get(owner);
    if (entries === undefined) return;
    this.byOwner.delete(owner);
    for (const entry of entries) {
      for (const mac of entry.macs) {
        const number = canonicalMacNumber(mac);
        if (number >= 0) pull(this.byMacNumber, number, entry);
        else pull(this.byMacText, mac, entry);
      }
      if (entry.clientId !== undefined) pull(this.byClientId, entry.clientId, entry);
    }
    this.entryCount -= entries.length;
  }

  /** See {@link HostTable.find}. */
  find(
    mac: string,
    clientId: string | undefined,
    accept: (ip: number) => boolean,
    macHigh = -1,
    macLow = -1,
  ): { readonly entry: HostBinding | undefined; readonly known: boolean } {
    const byId = clientId === undefined ? undefined : this.byClientId.get(clientId);
    // The engine passes the chaddr's numbers; other callers give the text alone.
    const number = macHigh >= 0 ? macHigh * TWO_32 + macLow : canonicalMacNumber(mac);
    const byMac = number >= 0 ? this.byMacNumber.get(number) : this.byMacText.get(mac);
    const entry = pick(byId, accept) ?? pick(byMac, accept);
    return { entry, known: byId !== undefined || byMac !== undefined };
  }
}

function push<K>(map: Map<K, HostBinding[]>, key: K, entry: HostBinding): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

function pull<K>(map: Map<K, HostBinding[]>, key: K, entry: HostBinding): void {
  const list = map.get(key);
  if (list === undefined) return;
  const index = list.indexOf(entry);
  if (index >= 0) list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}

function pick(
  list: readonly HostBinding[] | undefined,
  accept: (ip: number) => boolean,
): HostBinding | undefined {
  if (list === undefined) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const entry = list[i];
    if (entry !== undefined && (entry.ignore || accept(entry.ip))) return entry;
  }
  return undefined;
}
