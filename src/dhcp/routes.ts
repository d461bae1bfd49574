/**
 * Classless Static Routes (option 121, RFC 3442 §3; option 249 is Microsoft's copy with the same format):
 * each route is a width byte (0..32), the ⌈width/8⌉ significant octets of the destination, then 4 router
 * octets. This file is the one encoder of that descriptor: typed routes (`encodeRoutes`) and dnsmasq's
 * `a.b.c.d/len` text (option-text.ts) both write it through {@link writeRouteDestination}.
 */

import { type Ipv4, parseIpv4, readIpv4, writeIpv4 } from '../common/ipv4.js';
import { DhcpEncodeError } from './errors.js';
import type { OptionRead } from './types.js';

/** A Classless Static Route (RFC 3442 §3): destination prefix and the router to reach it. */
export interface ClasslessRoute {
  /** The destination's significant octets as sent, the rest zero. */
  readonly destination: Ipv4;
  /** 0..32. */
  readonly prefixLength: number;
  readonly router: Ipv4;
}

/** Decodes RFC 3442 descriptors; an empty option is an empty list. */
export function decodeRoutes(data: Uint8Array): OptionRead<readonly ClasslessRoute[]> {
  const routes: ClasslessRoute[] = [];
  let position = 0;
  while (position < data.length) {
    const width = data[position]!;
    if (width > 32)
      return { status: 'malformed', reason: `route at byte ${position}: prefix length ${width} > 32` };
    const significant = (width + 7) >> 3;
    const end = position + 1 + significant + 4;
    if (end > data.length) return { status: 'malformed', reason: `route at byte ${position} is truncated` };
    let destination = 0;
    for (let i = 0; i < 4; i++)
      destination = destination * 256 + (i < significant ? data[position + 1 + i]! : 0);
    routes.push({ destination, prefixLength: width, router: readIpv4(data, position + 1 + significant) });
    position = end;
  }
  return { status: 'ok', value: routes };
}

/** Parses `'a.b.c.d/len'` into address and width, or undefined. */
export function parseCidr(text: string): { address: Ipv4; width: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const widthText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(widthText)) return undefined;
  const width = Number(widthText);
  return width > 32 ? undefined : { address, width };
}

/** A route from Neutron/dnsmasq text (`'10.0.0.0/8'`, `'10.0.0.1'`), or undefined when either is not IPv4. */
export function routeFromText(destination: string, router: string): ClasslessRoute | undefined {
  const cidr = parseCidr(destination);
  const next = parseIpv4(router);
  if (cidr === undefined || next === undefined) return undefined;
  return { destination: cidr.address, prefixLength: cidr.width, router: next };
}

/** Bytes a destination descriptor takes: the width byte and the significant octets. */
export function routeDestinationLength(prefixLength: number): number {
  return 1 + ((prefixLength + 7) >> 3);
}

/**
 * Writes a destination descriptor at `position` (width byte, then the significant octets as given: like
 * dnsmasq, host bits inside the last significant octet are not masked, so decode and encode are exact
 * inverses). Returns the position after it.
 */
export function writeRouteDestination(
  out: Uint8Array,
  position: number,
  destination: Ipv4,
  prefixLength: number,
): number {
  out[position] = prefixLength;
  const significant = (prefixLength + 7) >> 3;
  for (let i = 0; i < significant; i++) out[position + 1 + i] = (destination >>> (24 - 8 * i)) & 0xff;
  return position + 1 + significant;
}

/**
 * Encodes routes.
 * @throws {DhcpEncodeError} for a prefix length outside 0..32 or an address that is not a uint32.
 */
export function encodeRoutes(routes: readonly ClasslessRoute[]): Uint8Array {
  let length = 0;
  for (const route of routes) {
    const { prefixLength } = route;
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32)
      throw new DhcpEncodeError(`route prefix length ${prefixLength} is not 0..32`);
    checkAddress(route.destination, 'destination');
    checkAddress(route.router, 'router');
    length += routeDestinationLength(prefixLength) + 4;
  }
  const out = new Uint8Array(length);
  let position = 0;
  for (const route of routes) {
    position = writeRouteDestination(out, position, route.destination, route.prefixLength);
    writeIpv4(out, position, route.router);
    position += 4;
  }
  return out;
}

function checkAddress(value: Ipv4, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new DhcpEncodeError(`route ${field} ${value} is not an IPv4 address`);
}
