/**
 * Which port a DHCPv6 client is. dnsmasq under Neutron matches hosts by MAC (its `get_client_mac`): from the
 * relay's Client Link-Layer Address option (RFC 6939), else the neighbour table entry of the source, else the
 * DUID when it is a DUID-LLT or DUID-LL of an Ethernet address. A host entry with a client DUID
 * (`Dhcpv6Host.clientDuid`, dnsmasq's `id:`) is matched before any MAC. Clients with a DUID-EN or DUID-UUID
 * reached neither through a relay with option 79 nor with a known link-layer address cannot be matched
 * (docs/dhcpv6.md).
 */
import { type Duid, findOption, macFromDuid, macText, type RelayMessage } from '../dhcpv6/index.js';
import type { Dhcpv6Host, MacSource } from './types.js';

const ETHERNET = 1;

/** The client's MAC and where it came from, or undefined when nothing carries one. */
export function clientMac(
  clientDuid: Duid | undefined,
  relays: readonly RelayMessage[],
  linkLayerAddress: string | undefined,
): { readonly mac: string; readonly source: MacSource } | undefined {
  const innermost = relays.at(-1);
  if (innermost !== undefined) {
    const option = findOption(innermost.options, 'client-linklayer-addr');
    if (option !== undefined && option.hardwareType === ETHERNET && option.address.length === 6) {
      return { mac: macText(option.address), source: 'relay-option-79' };
    }
  } else if (linkLayerAddress !== undefined) {
    return { mac: linkLayerAddress.toLowerCase(), source: 'link-layer' };
  }
  const fromDuid = clientDuid === undefined ? undefined : macFromDuid(clientDuid);
  return fromDuid === undefined ? undefined : { mac: fromDuid, source: 'duid' };
}

/** DUID bytes as lower case hex, the form of `Dhcpv6Host.clientDuid`. */
export function duidHex(duid: Duid): string {
  switch (duid.kind) {
    case 'llt':
      return (
        hex16(1) +
        hex16(duid.hardwareType) +
        duid.time.toString(16).padStart(8, '0') +
        hex(duid.linkLayerAddress)
      );
    case 'en':
      return hex16(2) + duid.enterpriseNumber.toString(16).padStart(8, '0') + hex(duid.identifier);
    case 'll':
      return hex16(3) + hex16(duid.hardwareType) + hex(duid.linkLayerAddress);
    case 'uuid':
      return hex16(4) + hex(duid.uuid);
    case 'other':
      return hex16(duid.duidType) + hex(duid.data);
  }
}

function hex16(value: number): string {
  return value.toString(16).padStart(4, '0');
}
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The hosts of one list by client DUID and by MAC, the first host of each kept (as a scan finds it). */
interface HostIndex {
  readonly byDuid: ReadonlyMap<string, Dhcpv6Host>;
  readonly byMac: ReadonlyMap<string, Dhcpv6Host>;
}

/**
 * One index per host list, built on the first lookup in it: the tables are immutable values (the builtin
 * driver makes a new list after a port change), so a list's index never goes stale, and it goes away with
 * its list. A linear scan cost 10,000 comparisons per packet on a network of 10,000 ports (bench/dhcpv6).
 */
const indexes = new WeakMap<readonly Dhcpv6Host[], HostIndex>();

function indexOf(hosts: readonly Dhcpv6Host[]): HostIndex {
  let index = indexes.get(hosts);
  if (index === undefined) {
    const byDuid = new Map<string, Dhcpv6Host>();
    const byMac = new Map<string, Dhcpv6Host>();
    for (const host of hosts) {
      if (host.clientDuid !== undefined && !byDuid.has(host.clientDuid)) byDuid.set(host.clientDuid, host);
      if (!byMac.has(host.mac)) byMac.set(host.mac, host);
    }
    index = { byDuid, byMac };
    indexes.set(hosts, index);
  }
  return index;
}

/** The host of a client: by DUID first (`id:` entries), then by MAC; the first such host of the list. */
export function findHost(
  hosts: readonly Dhcpv6Host[],
  duid: Duid | undefined,
  mac: string | undefined,
): Dhcpv6Host | undefined {
  const index = indexOf(hosts);
  if (duid !== undefined && index.byDuid.size > 0) {
    const byDuid = index.byDuid.get(duidHex(duid));
    if (byDuid !== undefined) return byDuid;
  }
  return mac === undefined ? undefined : index.byMac.get(mac);
}
