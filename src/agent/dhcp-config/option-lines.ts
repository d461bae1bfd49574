import type { Ipv4 } from '../../dhcp/index.js';
import { parseIpv4 } from '../../dhcp/index.js';
import type { TextOptionLine, TypedOptionLine, TypedOptionValue } from './types.js';

/**
 * Neutron's `_format_option` (spec §5.5) for options given as text (a port's extra_dhcp_opts, IPv6): a
 * purely numeric option stays bare (`249`), a name becomes `option:<name>` (IPv4) or `option6:<name>`
 * (IPv6); a name written `tag:<x>,<name>` adds tag `x` after the line's own tags (Ironic's
 * `tag:!ipxe,67`); names and values are cut at the first newline.
 *
 * Neutron's pattern `(tag:(.*),)?(.*)$` is greedy: everything up to the LAST comma is the extra part
 * (`tag:a,tag:b,67` → tags a and b, option 67). Fields of the extra part from the first one that is not
 * `tag:…` on are kept as written before the option, so the line reads as Neutron writes it (and is
 * refused by dnsmasq and by our parser alike).
 */
export function formatOption(
  ipVersion: 4 | 6,
  tags: readonly string[],
  name: string,
  values: readonly string[],
  portId?: string,
): TextOptionLine {
  let option = firstLine(name);
  const allTags = [...tags];
  let verbatim = '';
  if (option.startsWith('tag:') && option.includes(',')) {
    const comma = option.lastIndexOf(',');
    const extra = option.slice(0, comma).split(',');
    option = option.slice(comma + 1);
    const firstOther = extra.findIndex((field) => !field.startsWith('tag:'));
    const tagFields = firstOther === -1 ? extra : extra.slice(0, firstOther);
    allTags.push(...tagFields.map((field) => field.slice(4)));
    if (firstOther !== -1) verbatim = `${extra.slice(firstOther).join(',')},`;
  }
  if (!/^\d+$/.test(option)) option = `${ipVersion === 4 ? 'option' : 'option6'}:${option}`;
  return {
    form: 'text',
    tags: allTags,
    option: `${verbatim}${option}`,
    values: values.map(firstLine),
    portId,
  };
}

function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}

/** An option the agent computes, with its typed value (spelled `option:<name>` unless `spelling` says number). */
export function typedOption(
  tags: readonly string[],
  code: number,
  value: TypedOptionValue,
  spelling: 'name' | 'number' = 'name',
): TypedOptionLine {
  return { form: 'typed', tags, code, spelling, value, portId: undefined };
}

/**
 * An IPv4 address-list option (router, DNS servers) from Neutron's text: typed when every address parses,
 * else kept as text, so a bad value is refused by both drivers' parsers alike (never silently dropped).
 */
export function addressOption(
  tags: readonly string[],
  code: number,
  name: string,
  addresses: readonly string[],
): TypedOptionLine | TextOptionLine {
  const parsed: Ipv4[] = [];
  for (const text of addresses) {
    const address = parseIpv4(text);
    if (address === undefined) return formatOption(4, tags, name, addresses);
    parsed.push(address);
  }
  return typedOption(tags, code, { kind: 'ipv4-list', value: parsed });
}
