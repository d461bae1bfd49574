import { macText } from '../../../../dhcpv6/index.js';
import { isEui64Address, parseIp } from '../../../../ipam/index.js';

/**
 * The MAC a link-local source address was formed from by modified EUI-64 (RFC 4291 appendix A: `ff:fe` in
 * the middle, the universal/local bit flipped), the link-layer address the engine prefers to the DUID's
 * (docs/dhcpv6.md "Clients that cannot be matched"); undefined for any other address (privacy or
 * stable-privacy identifiers, global sources). A scope suffix (`%dev`) is ignored.
 *
 * @example macFromLinkLocal('fe80::f816:3eff:fe00:1') // 'fa:16:3e:00:00:01'
 */
export function macFromLinkLocal(source: string): string | undefined {
  const bare = source.split('%')[0] ?? '';
  const parsed = parseIp(bare);
  if (!parsed.ok || parsed.value.version !== 6) return undefined;
  const ip = parsed.value.value;
  if (ip >> 64n !== 0xfe80n << 48n || !isEui64Address(6, ip)) return undefined;
  const id = ip & 0xffffffffffffffffn;
  const bytes = [56n, 48n, 40n, 16n, 8n, 0n].map((shift) => Number((id >> shift) & 0xffn));
  bytes[0] = (bytes[0] ?? 0) ^ 0x02;
  return macText(Uint8Array.from(bytes));
}
