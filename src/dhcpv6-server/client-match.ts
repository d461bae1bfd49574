/**
 * Which port a DHCPv6 client is. dnsmasq under Neutron matches hosts by MAC (its `get_client_mac`): from the
 * relay's Client Link-Layer Address option (RFC 6939), else the neighbour table entry of the source, else the
 * DUID when it is a DUID-LLT or DUID-LL of an Ethernet address. A host entry with a client DUID
 * (`Dhcpv6Host.clientDuid`, dnsmasq's `id:`) is matched before any MAC. Clients with a DUID-EN or DUID-UUID
 * reached neither through a relay with option 79 nor with a known link-layer address cannot be matched
 * (docs/dhcpv6.md).
 */
import { type Duid, findOption, macFromDuid, macText, type RelayMessage } from '../dhcpv6/index.js';
import type { MacSource } from './types.js';

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
