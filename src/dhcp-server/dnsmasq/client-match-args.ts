import { resolveOptionCode } from '../../dhcp/index.js';
import type { ClientMatch } from '../client-match.js';

/**
 * dnsmasq's text of the request matches (client-match.ts): `--dhcp-match=set:TAG,OPTION` (a code or
 * `option:NAME`; a value to compare is not supported) and `--dhcp-userclass=set:TAG,TEXT`. The dnsmasq
 * driver writes them (agent/dhcp-config/render.ts), `qdhcp serve` reads them back.
 */

/** The command-line argument of one match, e.g. `--dhcp-match=set:ipxe,175`. */
export function clientMatchArgument(match: ClientMatch): string {
  return match.kind === 'option'
    ? `--dhcp-match=set:${match.tag},${match.code}`
    : `--dhcp-userclass=set:${match.tag},${Buffer.from(match.text).toString('latin1')}`;
}

/** Parses the value of `--dhcp-match` or `--dhcp-userclass`, or returns why it cannot be served. */
export function parseClientMatch(flag: 'dhcp-match' | 'dhcp-userclass', text: string): ClientMatch | string {
  const comma = text.indexOf(',');
  const setField = comma === -1 ? '' : text.slice(0, comma);
  const rest = comma === -1 ? '' : text.slice(comma + 1);
  if (!setField.startsWith('set:') || setField.length === 4) return 'expected set:TAG,…';
  const tag = setField.slice(4);
  if (flag === 'dhcp-userclass') {
    if (rest.length === 0) return 'no user class';
    return { kind: 'user-class', tag, text: Uint8Array.from(Buffer.from(rest, 'latin1')) };
  }
  if (rest.includes(',')) return 'matching an option value is not supported (only its presence)';
  if (rest.startsWith('vi-encap:')) return 'vendor-identifying matches are not supported';
  const code = resolveOptionCode(rest);
  if (code === undefined || code === 255) return `unknown option ${JSON.stringify(rest)}`;
  return { kind: 'option', tag, code };
}
