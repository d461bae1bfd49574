import { createHash } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';

/**
 * Device and namespace names (spec §4.15, observed doc §1, DESIGN "Conventions"). Linux limits device
 * names to 15 bytes, so only namespaces take the `--namespace-prefix` (tests and several agents on one
 * machine keep their bridges and taps in their own host namespaces instead).
 *
 * @module
 */

/** Longest Linux device name (IFNAMSIZ − 1). */
export const MAX_DEVICE_NAME = 15;

/** `P` + `qdhcp-<network id>`. */
export function dhcpNamespaceName(networkId: string, prefix = ''): string {
  return `${prefix}qdhcp-${networkId}`;
}

/** `brq<network id[0:11]>`. */
export function bridgeName(networkId: string): string {
  return `brq${networkId.slice(0, 11)}`;
}

/** `tap<port id[0:11]>`: the DHCP port's veth end on the bridge. */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

/** `ns-<port id[0:11]>`: the DHCP port's veth end inside the namespace. */
export function namespaceDeviceName(portId: string): string {
  return `ns-${portId.slice(0, 11)}`;
}

/** `P` + `qrouter-<router id>` (Neutron's L3 agent name, issue 13). */
export function routerNamespaceName(routerId: string, prefix = ''): string {
  return `${prefix}qrouter-${routerId}`;
}

/** `qr-<port id[0:11]>`: a router interface inside the router namespace (its peer on the bridge is `tap…`). */
export function routerInterfaceDeviceName(portId: string): string {
  return `qr-${portId.slice(0, 11)}`;
}

/** `qg-<port id[0:11]>`: the router's gateway interface inside the router namespace. */
export function routerGatewayDeviceName(portId: string): string {
  return `qg-${portId.slice(0, 11)}`;
}

/** `vxlan-<vni>`. */
export function vxlanDeviceName(vni: number): string {
  return `vxlan-${vni}`;
}

/** `<interface>.<vlan id>`; refused when longer than 15 bytes (the kernel would refuse it too). */
export function vlanDeviceName(physicalInterface: string, vlanId: number): string {
  const name = `${physicalInterface}.${vlanId}`;
  if (name.length > MAX_DEVICE_NAME) throw new QdhcpError('DEVICE_NAME_TOO_LONG', { name });
  return name;
}

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 4122 appendix C: the DNS name space. */
export const UUID_NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/**
 * The device id of this agent's DHCP port on a network (spec §4.14):
 * `dhcp<UUIDv5(DNS, short host name)>-<network id>`, the short name being the host up to its first dot.
 */
export function dhcpPortDeviceId(host: string, networkId: string): string {
  const shortHost = host.split('.')[0] ?? host;
  return `dhcp${uuidV5(shortHost, UUID_NAMESPACE_DNS)}-${networkId}`;
}
