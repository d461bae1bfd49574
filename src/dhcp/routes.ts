/**
 * Classless Static Routes (option 121, RFC 3442 §3; option 249 is Microsoft's copy with the same format):
 * each route is a width byte (0..32), the ⌈width/8⌉ significant octets of the destination, then 4 router
 * octets.
 */
import { DhcpEncodeError } from './errors.js';
import { formatIpv4, parseIpv4, writeUint32 } from './ipv4.js';
import type { ClasslessRoute } from './option-table.js';
import type { OptionRead } from './types.js';

/** Decodes RFC 3442 descriptors; an empty option is an empty list. */
export function decodeRoutes(data: Uint8Array): OptionRead<readonly ClasslessRoute[]> {
  const routes: ClasslessRoute[] = [];
  const destination = new Uint8Array(4);
  let position = 0;
  while (position < data.length) {
    const width = data[position]!;
    if (width > 32)
      return { status: 'malformed', reason: `route at byte ${position}: prefix length ${width} > 32` };
    const significant = (width + 7) >> 3;
    const end = position + 1 + significant + 4;
    if (end > data.length) return { status: 'malformed', reason: `route at byte ${position} is truncated` };
    destination.fill(0);
    destination.set(data.subarray(position + 1, position + 1 + significant));
    routes.push({
      destination: `${formatIpv4(destination, 0)}/${width}`,
      router: formatIpv4(data, position + 1 + significant),
    });
    position = end;
  }
  return { status: 'ok', value: routes };
}

/** Parses `'a.b.c.d/len'` into address and width, or undefined. */
export function parseCidr(text: string): { address: number; width: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const widthText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(widthText)) return undefined;
  const width = Number(widthText);
  return width > 32 ? undefined : { address, width };
}

/**
 * Encodes routes. Like dnsmasq, the destination's significant octets are copied as given (host bits inside
 * the last significant octet are not masked), so decode and encode are exact inverses.
 *
 * @throws {DhcpEncodeError} for a destination that is not `a.b.c.d/0..32` or a router that is not IPv4.
 */
export function encodeRoutes(routes: readonly ClasslessRoute[]): Uint8Array {
  let length = 0;
  const parsed = routes.map((route) => {
    const cidr = parseCidr(route.destination);
    if (cidr === undefined)
      throw new DhcpEncodeError(`route destination '${route.destination}' is not a.b.c.d/len`);
    const router = parseIpv4(route.router);
    if (router === undefined) throw new DhcpEncodeError(`route router '${route.router}' is not IPv4`);
    length += 1 + ((cidr.width + 7) >> 3) + 4;
    return { ...cidr, router };
  });
  const out = new Uint8Array(length);
  const scratch = new Uint8Array(4);
  let position = 0;
  for (const route of parsed) {
    const significant = (route.width + 7) >> 3;
    out[position++] = route.width;
    writeUint32(scratch, 0, route.address);
    out.set(scratch.subarray(0, significant), position);
    position += significant;
    writeUint32(out, position, route.router);
    position += 4;
  }
  return out;
}
