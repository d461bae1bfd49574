import { networkInterfaces } from 'node:os';
import { QdhcpError } from '../common/errors.js';
import { maskToPrefix, parseIpv4 } from '../common/ipv4.js';
import { runCommand } from './run-command.js';

/** One IPv4 address configured on an interface. */
export interface InterfaceAddress {
  readonly address: string;
  readonly prefixLength: number;
}

interface IpJsonAddress {
  readonly family?: unknown;
  readonly local?: unknown;
  readonly prefixlen?: unknown;
}
interface IpJsonLink {
  readonly ifname?: unknown;
  readonly addr_info?: readonly IpJsonAddress[];
}

/**
 * Parses `ip -j -4 addr show dev IF` output into the IPv4 addresses of that interface, in the order the
 * kernel lists them (primary first). Pure, so it is tested without a namespace.
 */
export function parseIpAddrJson(json: string, interfaceName: string): InterfaceAddress[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new QdhcpError('INTERFACE_LOOKUP_FAILED', {
      reason: `cannot parse ip -j output: ${(error as Error).message}`,
    });
  }
  if (!Array.isArray(parsed))
    throw new QdhcpError('INTERFACE_LOOKUP_FAILED', { reason: 'ip -j output is not a list' });
  const addresses: InterfaceAddress[] = [];
  for (const link of parsed as IpJsonLink[]) {
    if (link.ifname !== interfaceName) continue;
    for (const info of link.addr_info ?? []) {
      if (info.family === 'inet' && typeof info.local === 'string' && typeof info.prefixlen === 'number') {
        addresses.push({ address: info.local, prefixLength: info.prefixlen });
      }
    }
  }
  return addresses;
}

/**
 * Reads the IPv4 addresses of an interface in the current network namespace: from os.networkInterfaces()
 * (no process spawned, which matters for start-up time), falling back to `ip -j` when node lists none,
 * so that "no such interface" and "no IPv4 address" get `ip`'s own clear message.
 */
export async function readInterfaceAddresses(interfaceName: string): Promise<InterfaceAddress[]> {
  const fromNode = (networkInterfaces()[interfaceName] ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => ({ address: info.address, prefixLength: prefixLengthOf(info.cidr, info.netmask) }));
  if (fromNode.length > 0) return fromNode;
  return readInterfaceAddressesWithIp(interfaceName);
}

function prefixLengthOf(cidr: string | null, netmask: string): number {
  const fromCidr = cidr === null ? Number.NaN : Number(cidr.slice(cidr.indexOf('/') + 1));
  if (Number.isInteger(fromCidr)) return fromCidr;
  return maskToPrefix(parseIpv4(netmask) ?? 0) ?? 0;
}

/** Same as {@link readInterfaceAddresses}, always through `ip -j -4 addr show dev IF`. */
export async function readInterfaceAddressesWithIp(interfaceName: string): Promise<InterfaceAddress[]> {
  const result = await runCommand('ip', ['-j', '-4', 'addr', 'show', 'dev', interfaceName], {
    allowFailure: true,
    timeoutMs: 5000,
  });
  if (result.code !== 0) {
    throw new QdhcpError('INTERFACE_LOOKUP_FAILED', {
      reason: `interface ${interfaceName}: ${result.stderr.trim() || 'not found'}`,
    });
  }
  return parseIpAddrJson(result.stdout, interfaceName);
}
