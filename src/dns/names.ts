import { isIP } from 'node:net';

/**
 * Domain-name helpers for the DNS responder: the canonical lookup key of a name and the reverse-mapping
 * names of IPv4 (RFC 1035 §3.5, `in-addr.arpa`) and IPv6 (RFC 3596 §2.5, `ip6.arpa`) addresses.
 * Pure functions.
 *
 * @module
 */

/**
 * The lookup key of a name: lower-case ASCII (RFC 4343: DNS names compare case-insensitively), no
 * trailing dot, the root as `''`. `Host-10-0-0-5.OpenStackLocal.` → `host-10-0-0-5.openstacklocal`.
 */
export function nameKey(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.toLowerCase();
}

/** True when `name` equals `domain` or lies below it (both as {@link nameKey}s; `''` is the root). */
export function isAtOrBelow(name: string, domain: string): boolean {
  if (domain === '') return true;
  return (
    name === domain ||
    (name.length > domain.length && name.endsWith(domain) && name[name.length - domain.length - 1] === '.')
  );
}

function expandIpv6(input: string): string | undefined {
  // A trailing dotted quad (`::ffff:10.0.0.1`, RFC 4291 §2.2 form 3) becomes its two hex groups.
  let address = input;
  const lastColon = input.lastIndexOf(':');
  const quad = input.slice(lastColon + 1);
  if (quad.includes('.')) {
    if (isIP(quad) !== 4) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = quad.split('.').map(Number);
    address = `${input.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  // node:net validates but has no expansion helper; the input has already passed isIP().
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  let groups: string[];
  if (address.includes('::')) {
    const missing = 8 - headGroups.length - tailGroups.length;
    if (missing < 0) return undefined;
    groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  } else {
    groups = headGroups;
  }
  if (groups.length !== 8) return undefined;
  return groups.map((group) => group.padStart(4, '0')).join('');
}

/**
 * The canonical text of an address, used as the key of address maps: IPv4 as is (when valid), IPv6
 * lower-case and fully expanded (`2001:0db8:0000:…`), so `2001:db8::5` and `2001:DB8:0:0::5` are one key.
 */
export function addressKey(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) {
    const hex = expandIpv6(address.toLowerCase());
    return hex?.match(/.{4}/g)?.join(':');
  }
  return undefined;
}

/**
 * The address a reverse name stands for, as an {@link addressKey}, or undefined when `name` (a
 * {@link nameKey}) is not a complete reverse name (a partial one such as `0.10.in-addr.arpa` is not).
 */
export function addressFromReverseName(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4 || !labels.every((label) => /^(0|[1-9]\d{0,2})$/.test(label))) return undefined;
    const address = labels.reverse().join('.');
    return isIP(address) === 4 ? address : undefined;
  }
  if (name.endsWith('.ip6.arpa')) {
    const labels = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (labels.length !== 32 || !labels.every((label) => /^[0-9a-f]$/.test(label))) return undefined;
    const hex = labels.reverse().join('');
    return hex.match(/.{4}/g)?.join(':');
  }
  return undefined;
}

/**
 * The RFC 5952 text of an address: IPv6 lower-case, leading zeros dropped, the longest run of two or
 * more zero groups (the first, on a tie) as `::`. The zone hands out only this form, because
 * dns-packet's IPv6 encoder (`@leichtgewicht/ip-codec` 2.0) mis-encodes some valid non-canonical forms
 * (`::0:0:0:0:0:0:1` becomes `::`).
 */
export function canonicalAddress(address: string): string | undefined {
  const key = addressKey(address);
  if (key === undefined || !key.includes(':')) return key;
  const groups = key.split(':').map((group) => group.replace(/^0+(?=.)/, ''));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
