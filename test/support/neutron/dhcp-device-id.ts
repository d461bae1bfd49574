import { createHash } from 'node:crypto';

/** RFC 4122's DNS namespace (`uuid.NAMESPACE_DNS` in Python). */
const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/** A name-based (SHA-1, version 5) UUID, as Python's `uuid.uuid5`. */
export function uuid5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `device_id` Neutron's DHCP agent gives its port (`neutron.common.utils.get_dhcp_agent_device_id`):
 * `dhcp<uuid5(DNS, host up to the first dot)>-<network id>`; the server finds and reuses the port by it.
 */
export function neutronDhcpDeviceId(host: string, networkId: string): string {
  return `dhcp${uuid5(NAMESPACE_DNS, host.split('.')[0] ?? host)}-${networkId}`;
}
