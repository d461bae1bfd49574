/**
 * A namespace's devices, addresses and routes read through rtnetlink by the netns addon (no `ip` process),
 * as the same typed views `ip -j` output gives (observed-links.ts). Used where a converge reads a DHCP
 * namespace: after a restart with a thousand networks, one `ip -n NS` per namespace was most of the resync
 * (each also copies the mount table, so it got slower the more namespaces there were).
 *
 * @module
 */
import { netlinkDump } from '@qdhcp/netns';
import { namespacePath } from './namespace-sockets.js';
import type { ObservedAddress, ObservedLink, ObservedRoute } from './observed-links.js';

const NLMSG_HEADER = 16;
const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const AF_INET = 2;
const AF_INET6 = 10;
const IFF_UP = 1;
const RT_TABLE_MAIN = 254;
const RTN_UNICAST = 1;
/** Attribute types carry two flag bits (nested, byte order) above these. */
const NLA_TYPE_MASK = 0x3fff;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_TABLE = 15;

/** Scope names as `ip` prints them. */
const SCOPES: Readonly<Record<number, string>> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host' };

const align = (n: number): number => (n + 3) & ~3;

/** Calls `visit(type, payload)` for each netlink message of a dump. */
function eachMessage(dump: Buffer, visit: (type: number, payload: Buffer) => void): void {
  let offset = 0;
  while (offset + NLMSG_HEADER <= dump.length) {
    const length = dump.readUInt32LE(offset);
    if (length < NLMSG_HEADER || offset + length > dump.length) break;
    visit(dump.readUInt16LE(offset + 4), dump.subarray(offset + NLMSG_HEADER, offset + length));
    offset += align(length);
  }
}

/**
 * The attributes (type → value) of the `wanted` types that follow a fixed header of `headerLength` bytes.
 * Only those: a host link dump at 1,000 networks is ~3,000 links of ~40 attributes each, read on every
 * `ip monitor link` line and every network's bridge check, and a Buffer view per attribute was most of
 * the garbage (young-generation churn that kept the multi-MiB dump alive into the old generation;
 * docs/performance.md "Agent memory at 1,000 networks").
 */
function attributes(payload: Buffer, headerLength: number, wanted: ReadonlySet<number>): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  let offset = align(headerLength);
  while (offset + 4 <= payload.length) {
    const length = payload.readUInt16LE(offset);
    if (length < 4 || offset + length > payload.length) break;
    const type = payload.readUInt16LE(offset + 2) & NLA_TYPE_MASK;
    if (wanted.has(type)) found.set(type, payload.subarray(offset + 4, offset + length));
    offset += align(length);
  }
  return found;
}

const LINK_ATTRIBUTES = new Set([IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_LINKINFO]);
const LINK_INFO_ATTRIBUTES = new Set([IFLA_INFO_KIND]);
const ADDRESS_ATTRIBUTES = new Set([IFA_ADDRESS, IFA_LOCAL]);
const ROUTE_ATTRIBUTES = new Set([RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_TABLE]);

const cString = (value: Buffer | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return value.toString('latin1', 0, end === -1 ? value.length : end);
};

const mac = (value: Buffer | undefined): string =>
  value === undefined ? '' : [...value].map((byte) => byte.toString(16).padStart(2, '0')).join(':');

function ipText(family: number, value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (family === AF_INET && value.length === 4) return [...value].join('.');
  if (family !== AF_INET6 || value.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(value.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952), as `ip` prints it.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start === -1) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** A namespace's devices (with addresses) and its main-table routes, IPv4 and IPv6 apart. */
export interface NamespaceState {
  readonly links: Map<string, ObservedLink>;
  readonly routes: ObservedRoute[];
  /** IPv6 routes (router namespaces forward IPv6; DHCP namespaces only read `routes`). */
  readonly routes6: ObservedRoute[];
}

/** Devices (with addresses) and main-table routes of one namespace, from three netlink dumps. */
export function parseNetlinkState(dumps: {
  readonly link: Buffer;
  readonly addr: Buffer;
  readonly route: Buffer;
}): NamespaceState {
  const names = new Map<number, string>();
  const raw: Array<{
    index: number;
    name: string;
    kind: string | undefined;
    master: number | undefined;
    mtu: number;
    mac: string;
    up: boolean;
  }> = [];
  eachMessage(dumps.link, (type, payload) => {
    if (type !== RTM_NEWLINK || payload.length < 16) return;
    const index = payload.readInt32LE(4);
    const attrs = attributes(payload, 16, LINK_ATTRIBUTES);
    const name = cString(attrs.get(IFLA_IFNAME));
    if (name === undefined) return;
    names.set(index, name);
    const linkInfo = attrs.get(IFLA_LINKINFO);
    raw.push({
      index,
      name,
      kind:
        linkInfo === undefined
          ? undefined
          : cString(attributes(linkInfo, 0, LINK_INFO_ATTRIBUTES).get(IFLA_INFO_KIND)),
      master: attrs.get(IFLA_MASTER)?.readUInt32LE(0),
      mtu: attrs.get(IFLA_MTU)?.readUInt32LE(0) ?? 0,
      mac: mac(attrs.get(IFLA_ADDRESS)),
      up: (payload.readUInt32LE(8) & IFF_UP) !== 0,
    });
  });
  const addresses = new Map<number, ObservedAddress[]>();
  eachMessage(dumps.addr, (type, payload) => {
    if (type !== RTM_NEWADDR || payload.length < 8) return;
    const family = payload.readUInt8(0);
    if (family !== AF_INET && family !== AF_INET6) return;
    const attrs = attributes(payload, 8, ADDRESS_ATTRIBUTES);
    const address = ipText(family, attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS));
    if (address === undefined) return;
    const index = payload.readUInt32LE(4);
    const list = addresses.get(index) ?? [];
    list.push({
      family: family === AF_INET ? 4 : 6,
      address,
      prefixLength: payload.readUInt8(1),
      scope: SCOPES[payload.readUInt8(3)] ?? String(payload.readUInt8(3)),
    });
    addresses.set(index, list);
  });
  const links = new Map<string, ObservedLink>();
  for (const link of raw) {
    links.set(link.name, {
      name: link.name,
      kind: link.kind,
      master: link.master === undefined ? undefined : names.get(link.master),
      mtu: link.mtu,
      mac: link.mac,
      up: link.up,
      addresses: addresses.get(link.index) ?? [],
    });
  }
  return {
    links,
    routes: parseRouteDump(dumps.route, AF_INET, names),
    routes6: parseRouteDump(dumps.route, AF_INET6, names),
  };
}

/** Main-table unicast routes of one family (`default` for a zero-length prefix, no `/32`/`/128` suffix). */
function parseRouteDump(dump: Buffer, family: number, names: ReadonlyMap<number, string>): ObservedRoute[] {
  const routes: ObservedRoute[] = [];
  const hostLength = family === AF_INET ? 32 : 128;
  eachMessage(dump, (type, payload) => {
    if (type !== RTM_NEWROUTE || payload.length < 12 || payload.readUInt8(0) !== family) return;
    const attrs = attributes(payload, 12, ROUTE_ATTRIBUTES);
    const table = attrs.get(RTA_TABLE)?.readUInt32LE(0) ?? payload.readUInt8(4);
    if (table !== RT_TABLE_MAIN || payload.readUInt8(7) !== RTN_UNICAST) return;
    const prefixLength = payload.readUInt8(1);
    const destination = ipText(family, attrs.get(RTA_DST));
    const oif = attrs.get(RTA_OIF)?.readUInt32LE(0);
    routes.push({
      destination:
        prefixLength === 0
          ? 'default'
          : `${destination}${prefixLength === hostLength ? '' : `/${prefixLength}`}`,
      gateway: ipText(family, attrs.get(RTA_GATEWAY)),
      device: oif === undefined ? undefined : names.get(oif),
    });
  });
  return routes;
}

/**
 * Reads a namespace's devices (kind, master, MTU, MAC, state; no addresses) — what `ip [-n NS] -j -d link
 * show` gives — from one link dump: no process. `undefined` is this thread's own namespace (the root one
 * where the agent runs in it). The L2 role reads the host's devices this way every scan and on every
 * `ip monitor link` line (a bridge reports its ports' state several times a minute while traffic flows);
 * an `ip` process each time was most of an idle all-in-one's CPU (docs/performance.md).
 */
export function readNamespaceLinks(namespace: string | undefined): Map<string, ObservedLink> {
  const path = namespace === undefined ? '/proc/thread-self/ns/net' : namespacePath(namespace);
  const none = Buffer.alloc(0);
  return parseNetlinkState({ link: netlinkDump(path, 'link'), addr: none, route: none }).links;
}

/**
 * Reads a named namespace's devices (with addresses) and main-table routes — what `ip -n NS -j -d addr
 * show` and `ip -n NS -j [-6] route show` give — in about 0.2 ms and no process.
 */
export function readNamespaceState(namespace: string): NamespaceState {
  const path = namespacePath(namespace);
  return parseNetlinkState({
    link: netlinkDump(path, 'link'),
    addr: netlinkDump(path, 'addr'),
    route: netlinkDump(path, 'route'),
  });
}
