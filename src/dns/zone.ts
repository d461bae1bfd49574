import { QdhcpError } from '../common/errors.js';
import { isEncodableName } from './codec.js';
import type { SoaData } from './message.js';
import { addressKey, canonicalAddress, isAtOrBelow, nameKey } from './names.js';

/**
 * The names of one tenant network, as dnsmasq serves them from Neutron's `addn_hosts` file (spec §5.4):
 * each port address resolves from its FQDN (`host-10-0-0-5.openstacklocal` or the port's `dns_name`
 * under its domain) and from its short hostname, and reverse-resolves to the FQDN. Lookups are O(1)
 * (hash maps keyed by lower-case name and canonical address) and see every change at once: there is no
 * file to rewrite and no process to signal.
 *
 * Mutable by design (one instance per network, owned by the agent); it holds no module-level state and
 * does no I/O.
 *
 * @module
 */

/** One host: the names and addresses of one port (or one fixed IP of it, when names differ per IP). */
export interface ZoneHost {
  /** Stable id chosen by the caller (the port id, or `<port id>/<ip>`). */
  readonly id: string;
  /** IPv4 and IPv6 addresses, in any valid notation. */
  readonly addresses: readonly string[];
  /** Fully qualified name (`host-10-0-0-5.openstacklocal`, `vm1.example.org.`); the PTR target. */
  readonly fqdn: string;
  /** Short name (`host-10-0-0-5`, `vm1`); may equal `fqdn` when the network has no domain. */
  readonly hostname: string;
}

/** Zone settings. */
export interface ZoneOptions {
  /** The network's DNS domain (`dns_domain`, default `openstacklocal`); `''` for none. */
  readonly domain?: string;
  /**
   * TTL of our answers, seconds. dnsmasq's default `--local-ttl` is 0, so clients never cache port
   * names, which is what makes a port change visible at once; we keep that default.
   */
  readonly ttl?: number;
  /** TTL for negative answers (the SOA minimum, RFC 2308 §4); defaults to `ttl`. */
  readonly negativeTtl?: number;
}

/** The result of a forward lookup: the name exists and has these addresses (maybe none of a type). */
export interface NameLookup {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

interface StoredHost {
  readonly id: string;
  /** RFC 5952 text and lookup key of each address. */
  readonly addresses: readonly { readonly text: string; readonly key: string }[];
  readonly fqdn: string;
  readonly nameKeys: readonly string[];
}

const DEFAULT_DOMAIN = 'openstacklocal';
const MAX_TTL = 0x7fffffff;

function checkTtl(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_TTL)
    throw new QdhcpError('DNS_ZONE_INVALID', { reason: `bad ${what}: ${value}` });
  return value;
}

function addToIndex(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, [id]);
  else if (!ids.includes(id)) ids.push(id);
}

function removeFromIndex(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) return;
  const remaining = ids.filter((existing) => existing !== id);
  if (remaining.length === 0) index.delete(key);
  else index.set(key, remaining);
}

/**
 * A network's authoritative data.
 *
 * @example
 * const zone = new Zone({ domain: 'openstacklocal' });
 * zone.upsertHost({ id: portId, addresses: ['10.0.0.5'], fqdn: 'host-10-0-0-5.openstacklocal', hostname: 'host-10-0-0-5' });
 * zone.lookupName('HOST-10-0-0-5.openstacklocal.'); // { ipv4: ['10.0.0.5'], ipv6: [] }
 */
export class Zone {
  /** The domain as a lookup key (`openstacklocal`), `''` when the network has none. */
  readonly domain: string;
  readonly ttl: number;
  readonly negativeTtl: number;
  private readonly hosts = new Map<string, StoredHost>();
  private readonly byName = new Map<string, string[]>();
  private readonly byAddress = new Map<string, string[]>();
  /** SOA serial: bumped on every change, so a secondary-style consumer could notice (RFC 1982 arithmetic). */
  private serial = 1;

  constructor(options: ZoneOptions = {}) {
    const domain = nameKey(options.domain ?? DEFAULT_DOMAIN);
    if (!isEncodableName(domain))
      throw new QdhcpError('DNS_ZONE_INVALID', { reason: `bad domain: ${JSON.stringify(options.domain)}` });
    this.domain = domain;
    this.ttl = checkTtl(options.ttl ?? 0, 'ttl');
    this.negativeTtl = checkTtl(options.negativeTtl ?? this.ttl, 'negative ttl');
  }

  /** Adds a host or replaces the one with the same id; the old names and addresses stop resolving at once. */
  upsertHost(host: ZoneHost): void {
    const addresses = host.addresses.map((text) => {
      const key = addressKey(text);
      const canonical = canonicalAddress(text);
      if (key === undefined || canonical === undefined) {
        throw new QdhcpError('DNS_ZONE_INVALID', {
          reason: `host ${host.id}: bad address ${JSON.stringify(text)}`,
        });
      }
      return { text: canonical, key };
    });
    const fqdnKey = nameKey(host.fqdn);
    const hostnameKey = nameKey(host.hostname);
    for (const name of [fqdnKey, hostnameKey]) {
      if (name === '' || !isEncodableName(name))
        throw new QdhcpError('DNS_ZONE_INVALID', {
          reason: `host ${host.id}: bad name ${JSON.stringify(name)}`,
        });
    }
    this.removeHost(host.id);
    const stored: StoredHost = {
      id: host.id,
      addresses,
      fqdn: host.fqdn.endsWith('.') ? host.fqdn.slice(0, -1) : host.fqdn,
      nameKeys: fqdnKey === hostnameKey ? [fqdnKey] : [fqdnKey, hostnameKey],
    };
    this.hosts.set(host.id, stored);
    for (const name of stored.nameKeys) addToIndex(this.byName, name, host.id);
    for (const address of addresses) addToIndex(this.byAddress, address.key, host.id);
    this.serial = (this.serial + 1) >>> 0 || 1;
  }

  /** Removes a host; returns whether it existed. */
  removeHost(id: string): boolean {
    const stored = this.hosts.get(id);
    if (stored === undefined) return false;
    this.hosts.delete(id);
    for (const name of stored.nameKeys) removeFromIndex(this.byName, name, id);
    for (const address of stored.addresses) removeFromIndex(this.byAddress, address.key, id);
    this.serial = (this.serial + 1) >>> 0 || 1;
    return true;
  }

  /**
   * Makes the zone hold exactly `hosts` (the agent's reconcile step: desired state in, difference
   * applied). Hosts whose data did not change are left alone; returns how many were added or changed
   * and how many removed. Invalid hosts throw `DNS_ZONE_INVALID` before anything is changed.
   */
  replaceHosts(hosts: readonly ZoneHost[]): { readonly upserted: number; readonly removed: number } {
    // Validate everything first, so a bad entry leaves the zone as it was.
    const probe = new Zone({ domain: this.domain });
    for (const host of hosts) probe.upsertHost(host);
    const wanted = new Map(hosts.map((host) => [host.id, host]));
    let removed = 0;
    for (const id of [...this.hosts.keys()]) {
      if (!wanted.has(id)) {
        this.removeHost(id);
        removed++;
      }
    }
    let upserted = 0;
    for (const host of wanted.values()) {
      const current = this.hosts.get(host.id);
      const next = probe.hosts.get(host.id);
      const same =
        current !== undefined &&
        next !== undefined &&
        current.fqdn === next.fqdn &&
        current.nameKeys.join(' ') === next.nameKeys.join(' ') &&
        current.addresses.map((a) => a.key).join(' ') === next.addresses.map((a) => a.key).join(' ');
      if (!same) {
        this.upsertHost(host);
        upserted++;
      }
    }
    return { upserted, removed };
  }

  /** Number of hosts. */
  get size(): number {
    return this.hosts.size;
  }

  /**
   * Forward lookup (case-insensitive, trailing dot tolerated). Undefined when no host has that name;
   * otherwise the addresses of every host that has it, IPv4 and IPv6 apart, in insertion order.
   */
  lookupName(name: string): NameLookup | undefined {
    const ids = this.byName.get(nameKey(name));
    if (ids === undefined) return undefined;
    const ipv4: string[] = [];
    const ipv6: string[] = [];
    for (const id of ids) {
      for (const address of this.hosts.get(id)?.addresses ?? []) {
        const list = address.key.includes(':') ? ipv6 : ipv4;
        if (!list.includes(address.text)) list.push(address.text);
      }
    }
    return { ipv4, ipv6 };
  }

  /**
   * Reverse lookup: the FQDN of the first host holding `address` (the first name of its addn_hosts line,
   * as dnsmasq answers PTR), or undefined.
   */
  lookupAddress(address: string): string | undefined {
    const key = addressKey(address);
    if (key === undefined) return undefined;
    const id = this.byAddress.get(key)?.[0];
    return id === undefined ? undefined : this.hosts.get(id)?.fqdn;
  }

  /** True when `name` is the zone's domain or below it: there, a missing name is NXDOMAIN from us. */
  isAuthoritativeFor(name: string): boolean {
    return this.domain !== '' && isAtOrBelow(nameKey(name), this.domain);
  }

  /** True for the zone apex itself (which exists, with only an SOA). */
  isApex(name: string): boolean {
    return this.domain !== '' && nameKey(name) === this.domain;
  }

  /** The SOA data for negative answers (RFC 2308 §3); names are synthetic, under the domain. */
  soa(): SoaData {
    return {
      mname: `ns.${this.domain}`,
      rname: `hostmaster.${this.domain}`,
      serial: this.serial,
      refresh: 1200,
      retry: 180,
      expire: 1209600,
      minimum: this.negativeTtl,
    };
  }
}
