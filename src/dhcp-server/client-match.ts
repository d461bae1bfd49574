import type { DhcpMessage } from '../dhcp/types.js';

/**
 * Tags a request sets by what it carries, as dnsmasq's `--dhcp-match=set:TAG,OPTION` (the option is present
 * with at least one byte) and `--dhcp-userclass=set:TAG,TEXT` (TEXT occurs in the user class, option 77)
 * do (rfc2131.c `dhcp_reply`). Neutron passes `--dhcp-match=set:ipxe,175` and
 * `--dhcp-userclass=set:ipxe6,iPXE` (spec §5.2); Ironic's extra options select on those tags
 * (`tag:!ipxe,67` → the chain loader for a PXE ROM, `tag:ipxe,67` → the iPXE script for iPXE).
 */
export type ClientMatch =
  | { readonly kind: 'option'; readonly tag: string; readonly code: number }
  | { readonly kind: 'user-class'; readonly tag: string; readonly text: Uint8Array };

const OPTION_USER_CLASS = 77;

/** The two matches of every Neutron dnsmasq (spec §5.2), which the builtin driver applies too. */
export const NEUTRON_CLIENT_MATCHES: readonly ClientMatch[] = Object.freeze([
  { kind: 'option', tag: 'ipxe', code: 175 },
  { kind: 'user-class', tag: 'ipxe6', text: Uint8Array.from(Buffer.from('iPXE', 'latin1')) },
]);

/**
 * The user class as dnsmasq searches it: when the option is a well-formed RFC 3004 list of counted
 * strings, the count bytes are zeroed so that a match cannot take a count for text; otherwise (a bare
 * string, as iPXE and dhclient send) it is searched as it is.
 */
function searchableUserClass(value: Uint8Array): Uint8Array {
  let end = 0;
  while (end < value.length) end += value[end]! + 1;
  if (end !== value.length) return value;
  const copy = Uint8Array.from(value);
  for (let at = 0; at < copy.length; at += value[at]! + 1) copy[at] = 0;
  return copy;
}

/** The bytes as a Buffer without copying them (for Buffer's substring search). */
function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The tags `matches` set for this request, in match order (no duplicates). */
export function matchedTags(request: DhcpMessage, matches: readonly ClientMatch[]): string[] {
  const tags: string[] = [];
  for (const match of matches) {
    if (tags.includes(match.tag)) continue;
    if (match.kind === 'option') {
      const value = request.options.get(match.code);
      if (value !== undefined && value.length > 0) tags.push(match.tag);
      continue;
    }
    const userClass = request.options.get(OPTION_USER_CLASS);
    if (userClass === undefined || userClass.length === 0) continue;
    if (bufferView(searchableUserClass(userClass)).includes(bufferView(match.text))) tags.push(match.tag);
  }
  return tags;
}
