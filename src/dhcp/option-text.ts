/**
 * Option values as dnsmasq's `--dhcp-option` / opts files write them (`tag:x,option:router,10.0.0.1`), parsed
 * into option bytes with dnsmasq 2.90's rules (option.c `parse_dhcp_opt`), re-implemented:
 *
 * 1. The values are re-joined with commas and the whole text is characterised: hex (`01:02:0a`), decimal
 *    (`1450`, with an optional `b`/`s`/`i` width suffix), addresses (`10.0.0.1`, `0.0.0.0/0`, comma lists),
 *    otherwise a string.
 * 2. The option table narrows that: address options accept only addresses; name options (`domain-name`,
 *    `bootfile-name`, …) are always text; time options (`lease-time`, `T1`, `T2`) are uint32 seconds with an
 *    optional `w`/`d`/`h`/`m`/`s` suffix; fixed-width numbers use the option's width.
 * 3. An address with `/len` becomes an RFC 3442 descriptor (width byte + significant octets), which is how
 *    `classless-static-route` (121) and 249 values come out right with no special case.
 * 4. `domain-search` (119) is RFC 1035 encoded with suffix compression; `sip-server` (120) gets the RFC 3361
 *    encoding byte.
 *
 * Where we differ (stricter or wider, never silently different bytes): a non-number for a numeric option, or a
 * number too large for its width, is `malformed` (dnsmasq truncates or sends the text); values longer than 255
 * bytes are allowed (the codec splits them, RFC 3396) where dnsmasq refuses them; names of options dnsmasq
 * reserves for itself (e.g. `server-identifier`) are accepted.
 */

import { parseIpv4, writeIpv4 } from '../common/ipv4.js';
import { encodeDomainList } from './domain-list.js';
import { DhcpEncodeError } from './errors.js';
import { OPTION_OVERLOAD } from './layout.js';
import { optionByCode, optionByName } from './option-table.js';
import { parseCidr, routeDestinationLength, writeRouteDestination } from './routes.js';
import type { OptionRead } from './types.js';

const OPTION_DOMAIN_SEARCH = 119;
const OPTION_SIP_SERVER = 120;

/**
 * Resolves an option given as a code (number or decimal text) or a dnsmasq name (with or without
 * `option:`) to its code, or undefined when unknown or not settable (0, 52). 255 is dnsmasq's
 * `server-ip-address`: a configured value sets siaddr, never an option (dhcp-server/boot-fields.ts).
 */
export function resolveOptionCode(codeOrName: number | string): number | undefined {
  let code: number | undefined;
  if (typeof codeOrName === 'number') code = codeOrName;
  else if (/^\d{1,3}$/.test(codeOrName)) code = Number(codeOrName);
  else code = optionByName(codeOrName)?.code;
  if (code === undefined || !Number.isInteger(code) || code < 1 || code > 255 || code === OPTION_OVERLOAD) {
    return undefined;
  }
  return code;
}

/**
 * Parses one option's configured values, as an opts file splits them at commas, into option bytes.
 *
 * An empty `values` list (dnsmasq `option:router` with nothing after it) returns `ok` with a zero-length
 * value: dnsmasq then sends nothing for that option and suppresses its own default (e.g. no router), so the
 * engine should treat a zero-length configured value as "do not send". Never returns `absent`.
 *
 * @example
 * parseOptionText('classless-static-route', ['169.254.169.254/32', '10.0.0.2', '0.0.0.0/0', '10.0.0.1']);
 * // ok: 20 a9 fe a9 fe 0a 00 00 02 00 0a 00 00 01
 * parseOptionText('mtu', ['1450']); // ok: 05 aa
 */
export function parseOptionText(
  codeOrName: number | string,
  values: readonly string[],
): OptionRead<Uint8Array> {
  const code = resolveOptionCode(codeOrName);
  if (code === undefined) {
    return { status: 'malformed', reason: `unknown or reserved option '${String(codeOrName)}'` };
  }
  if (values.length === 0) return { status: 'ok', value: new Uint8Array(0) };
  try {
    return { status: 'ok', value: parseValue(code, values.join(',')) };
  } catch (error) {
    if (error instanceof DhcpEncodeError) return { status: 'malformed', reason: error.reason };
    throw error;
  }
}

interface Shape {
  isAddress: boolean;
  isHex: boolean;
  isDecimal: boolean;
  dots: number;
  hexGroups: number;
  widthSuffix: string | undefined;
}

/** dnsmasq's one-pass characterisation of the value text. */
function characterise(text: string): Shape {
  const shape: Shape = {
    isAddress: true,
    isHex: true,
    isDecimal: true,
    dots: 0,
    hexGroups: 1,
    widthSuffix: undefined,
  };
  let foundDigit = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ',') {
      shape.isDecimal = shape.isHex = false;
    } else if (c === ':') {
      shape.hexGroups++;
      shape.isDecimal = shape.isAddress = false;
    } else if (c === '/') {
      shape.isDecimal = shape.isHex = false;
      if (i === 0) shape.isAddress = false; // a leading slash is a path name
    } else if (c === '.') {
      shape.isDecimal = shape.isHex = false;
      shape.dots++;
    } else if (c === '-') {
      shape.isHex = shape.isAddress = false;
    } else if (c === ' ') {
      shape.isDecimal = shape.isHex = false;
    } else if (c >= '0' && c <= '9') {
      foundDigit = true;
    } else {
      shape.isAddress = false;
      if (i === text.length - 1 && shape.isDecimal && (c === 'b' || c === 's' || c === 'i'))
        shape.widthSuffix = c;
      else shape.isDecimal = false;
      if (!/[0-9a-fA-F]/.test(c)) shape.isHex = false;
    }
  }
  if (!foundDigit) shape.isDecimal = shape.isAddress = false;
  return shape;
}

function parseValue(code: number, text: string): Uint8Array {
  const rule = optionByCode(code)?.text ?? 'generic';
  const shape = characterise(text);
  if (rule === 'address') {
    if (!shape.isAddress || shape.dots === 0) throw new DhcpEncodeError(`bad IP address '${text}'`);
    return addresses(code, text);
  }
  if (rule === 'name') return textValue(code, text);
  if (rule === 'time') return timeValue(text);
  if (shape.isHex && shape.hexGroups > 1) return hexValue(text);
  if (shape.isDecimal)
    return decimalValue(text, shape.widthSuffix, typeof rule === 'number' ? rule : undefined);
  if (typeof rule === 'number') throw new DhcpEncodeError(`'${text}' is not a number or hex bytes`);
  if (shape.isAddress) return addresses(code, text);
  return textValue(code, text);
}

/** Addresses, and `a.b.c.d/len` as RFC 3442 descriptors (written by routes.ts, the one encoder of them). */
function addresses(code: number, text: string): Uint8Array {
  const out: number[] = code === OPTION_SIP_SERVER ? [1] : []; // RFC 3361 §3.2: encoding 1 = addresses
  const scratch = new Uint8Array(5);
  for (const item of text.split(',')) {
    if (item.includes('/')) {
      const cidr = parseCidr(item);
      if (cidr === undefined) throw new DhcpEncodeError(`bad IPv4 prefix '${item}'`);
      writeRouteDestination(scratch, 0, cidr.address, cidr.width);
      out.push(...scratch.subarray(0, routeDestinationLength(cidr.width)));
    } else {
      const address = parseIpv4(item);
      if (address === undefined) throw new DhcpEncodeError(`bad IPv4 address '${item}'`);
      writeIpv4(scratch, 0, address);
      out.push(...scratch.subarray(0, 4));
    }
  }
  return Uint8Array.from(out);
}

function textValue(code: number, text: string): Uint8Array {
  if (code === OPTION_DOMAIN_SEARCH || code === OPTION_SIP_SERVER) {
    const names = text.split(',').filter((name) => name !== '');
    const list = encodeDomainList(names);
    if (code === OPTION_DOMAIN_SEARCH) return list;
    const out = new Uint8Array(list.length + 1); // RFC 3361 §3.1: encoding 0 = names
    out.set(list, 1);
    return out;
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new DhcpEncodeError(`'${text}' is not latin1 text`);
    out[i] = c;
  }
  return out;
}

const TIME_FACTORS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function timeValue(text: string): Uint8Array {
  const match = /^(\d{1,10})([wdhmsWDHMS]?)$/.exec(text);
  if (match === null)
    throw new DhcpEncodeError(`'${text}' is not a time (seconds, or a number with w/d/h/m/s)`);
  const seconds = Number(match[1]) * (TIME_FACTORS[match[2]!.toLowerCase()] ?? 1);
  return fixedWidth(seconds, 4, text);
}

function hexValue(text: string): Uint8Array {
  const groups = text.split(':');
  const out = new Uint8Array(groups.length);
  groups.forEach((group, i) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(group)) throw new DhcpEncodeError(`bad hex byte '${group}' in '${text}'`);
    out[i] = Number.parseInt(group, 16);
  });
  return out;
}

function decimalValue(text: string, suffix: string | undefined, optionWidth: number | undefined): Uint8Array {
  const digits = suffix === undefined ? text : text.slice(0, -1);
  const match = /^(-?)(\d{1,10})$/.exec(digits);
  const magnitude = Number(match?.[2]);
  if (match === null || magnitude > (match[1] === '-' ? 0x80000000 : 0xffffffff)) {
    throw new DhcpEncodeError(`'${text}' is not a 32-bit integer`);
  }
  const negative = match[1] === '-';
  let width = optionWidth ?? (negative || magnitude > 0xffff ? 4 : magnitude > 0xff ? 2 : 1);
  if (suffix === 'b') width = 1;
  else if (suffix === 's') width = 2;
  else if (suffix === 'i') width = 4;
  if (!negative) return fixedWidth(magnitude, width, text);
  // Negative numbers (time-offset, RFC 2132 §3.4) are two's complement, as dnsmasq's atoi + shifts give.
  if (magnitude > 2 ** (8 * width - 1))
    throw new DhcpEncodeError(`'${text}' does not fit in ${width} byte(s)`);
  return fixedWidth(2 ** (8 * width) - magnitude, width, text);
}

function fixedWidth(value: number, width: number, text: string): Uint8Array {
  if (value >= 2 ** (8 * width)) throw new DhcpEncodeError(`'${text}' does not fit in ${width} byte(s)`);
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++) out[i] = Math.floor(value / 2 ** (8 * (width - 1 - i))) & 0xff;
  return out;
}
