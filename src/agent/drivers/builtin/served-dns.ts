import dgram from 'node:dgram';
import net from 'node:net';
import { openSocket } from '@qdhcp/netns';
import { isQdhcpError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { DnsCounters } from '../../../dns/counters.js';
import type { ForwarderTransport } from '../../../dns/forwarder.js';
import { literalLookup } from '../../../dns/listen.js';
import { createNetworkDns, type NetworkDns } from '../../../dns/network-dns.js';
import type { ZoneHost } from '../../../dns/zone.js';
import { bindUdpInNamespace, listenTcpInNamespace, namespacePath } from '../../../linux/namespace-sockets.js';
import type { DhcpDeviceSpec } from '../../../linux/plumbing-commands.js';
import { openBatchedUdpInNamespace } from '../../../linux/udp-batch-socket.js';
import { addnHostsForPort } from '../../dhcp-config/hosts.js';
import type { AgentPort } from '../../model.js';
import type { DhcpContext } from '../../settings.js';
import type { PreparedNetwork } from '../prepare-network.js';

/**
 * DNS of one network served by the builtin driver, from the agent process: UDP and TCP port 53 on each of
 * the DHCP port's addresses (IPv4, and IPv6: the RDNSS / DHCPv6 option 23 default), opened inside the network's namespace (so only that network's instances
 * reach it), answering the names of dnsmasq's `addn_hosts` (spec §5.4) from an in-memory zone that a port
 * event changes at once, and forwarding other names to `--dns-servers` through sockets that are opened
 * inside the namespace too (never from the agent's own namespace). The core is src/dns.
 *
 * @module
 */

/** The DNS port on the DHCP port's addresses. */
export const DNS_PORT = 53;

/** An address of the DHCP port, as the engine and the DNS listeners want it. */
export interface ServiceAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/**
 * The DHCP port's IPv4 addresses in the namespace (`10.0.0.2/24` → 10.0.0.2, 24): what the engine uses as
 * server identifiers and DNS listens on. The metadata address (169.254.169.254) and IPv6 are left out.
 */
export function dhcpPortIpv4Addresses(device: DhcpDeviceSpec): ServiceAddress[] {
  return device.addresses
    .filter((cidr) => !cidr.startsWith('169.254.') && !cidr.includes(':'))
    .map((cidr) => ({
      address: cidr.slice(0, cidr.indexOf('/')),
      prefixLength: Number(cidr.slice(cidr.indexOf('/') + 1)),
    }));
}

/**
 * The DHCP port's IPv6 addresses in the namespace, link-local ones (the metadata fe80::a9fe:a9fe) left out:
 * exactly what the router advertisement's RDNSS and DHCPv6 option 23 name when the subnet has no
 * `dns_nameservers` (advertisement-of.ts, dhcpv6-tables.ts: the DHCP port's fixed IPs on DHCP-enabled subnets).
 */
export function dhcpPortIpv6Addresses(device: DhcpDeviceSpec): string[] {
  return device.addresses
    .filter((cidr) => cidr.includes(':') && !/^fe[89ab]/i.test(cidr))
    .map((cidr) => cidr.slice(0, cidr.indexOf('/')));
}

/**
 * Upstream sockets made inside `namespace` by the netns addon, of the upstream's family. A failure
 * (namespace gone) throws, which the forwarder counts as a failed upstream attempt.
 */
export function namespaceTransport(namespace: string): ForwarderTransport {
  const open = (kind: 'udp4' | 'tcp4' | 'udp6' | 'tcp6') =>
    openSocket({
      netnsPath: namespacePath(namespace),
      kind,
      address: kind.endsWith('6') ? '::' : '0.0.0.0',
      port: 0,
    });
  return {
    createUdpSocket: (type) => dgram.createSocket({ type, lookup: literalLookup }).bind({ fd: open(type) }),
    connectTcp: (upstream) =>
      new net.Socket({
        fd: open(upstream.address.includes(':') ? 'tcp6' : 'tcp4'),
        readable: true,
        writable: true,
      }).connect(upstream.port, upstream.address),
  };
}

/** What one network's DNS is built from. */
export interface ServedDnsOptions {
  readonly logger: Logger;
  /** Listen on this port instead of 53 (tests). */
  readonly port?: number;
}

/** What a re-opened service carries over from the one it replaces: its counters only go up. */
interface CarriedCounters {
  readonly dns: DnsCounters;
  readonly rejectedHosts: number;
}

/**
 * One network's DNS service in its namespace. Built for one namespace and one set of DHCP port addresses;
 * when those change, the driver closes it and opens a new one ({@link ServedDns.servesSame}).
 */
export class ServedDns {
  /** Zone host ids of each port (one host per fixed IP, as addn_hosts has one line per fixed IP). */
  private readonly hostIds = new Map<string, readonly string[]>();
  private rejectedHosts = 0;

  private constructor(
    private readonly dns: NetworkDns,
    private readonly namespace: string,
    private readonly addresses: string,
    private readonly logger: Logger,
    private context: DhcpContext,
  ) {}

  /**
   * Creates the service and binds UDP and TCP on every DHCP port address in the namespace. On a bind
   * failure everything opened so far is closed and the error is thrown.
   */
  static async open(
    prepared: PreparedNetwork,
    options: ServedDnsOptions,
    carried?: CarriedCounters,
  ): Promise<ServedDns> {
    const { namespace } = prepared.desired.device;
    const { settings } = prepared.context;
    const dns = createNetworkDns({
      logger: options.logger,
      zone: { domain: settings.dnsDomain },
      upstreams: settings.dnsServers,
      transport: namespaceTransport(namespace),
      ...(carried === undefined ? {} : { counters: carried.dns }),
    });
    const served = new ServedDns(dns, namespace, addressKey(prepared), options.logger, prepared.context);
    served.rejectedHosts = carried?.rejectedHosts ?? 0;
    try {
      for (const { address } of dhcpPortIpv4Addresses(prepared.desired.device)) {
        const where = { namespace, address, port: options.port ?? DNS_PORT, freeBind: true };
        // UDP in batches (recvmmsg/sendmmsg in the netns addon): Node's per-datagram cost was most of a
        // local answer's CPU (docs/performance.md, DNS).
        dns.server.attachBatchedUdp(openBatchedUdpInNamespace(where));
        // The DNS server takes connections through its 'connection' listener (attachTcp).
        dns.server.attachTcp(await listenTcpInNamespace(where, () => undefined));
      }
      for (const address of dhcpPortIpv6Addresses(prepared.desired.device)) {
        const where = { namespace, address, port: options.port ?? DNS_PORT, freeBind: true };
        // The batched endpoint carries IPv4 sources only; IPv6 clients are few (dual-stack instances ask
        // over IPv4 first), so Node's dgram serves them.
        dns.server.attachUdp(await bindUdpInNamespace({ ...where, lookup: literalLookup }));
        dns.server.attachTcp(await listenTcpInNamespace(where, () => undefined));
      }
    } catch (error) {
      await dns.close();
      throw error;
    }
    served.load(prepared);
    return served;
  }

  /** True when this service listens where `prepared` wants it (same namespace, same addresses). */
  servesSame(prepared: PreparedNetwork): boolean {
    return prepared.desired.device.namespace === this.namespace && addressKey(prepared) === this.addresses;
  }

  /** Makes the zone hold exactly the names of the model's ports. O(ports). */
  load(prepared: PreparedNetwork): void {
    this.context = prepared.context;
    const wanted = new Set<string>();
    for (const port of prepared.network.ports) {
      wanted.add(port.id);
      this.upsertPort(port);
    }
    for (const portId of [...this.hostIds.keys()]) if (!wanted.has(portId)) this.deletePort(portId);
  }

  /**
   * Replaces one port's names: its new `dns_name`/`dns_assignment` resolve with the next query and its old
   * names and addresses are gone. A name the zone refuses is logged and counted, never thrown.
   */
  upsertPort(port: AgentPort): void {
    const hosts: ZoneHost[] = addnHostsForPort(port, this.context).map((entry) => ({
      id: `${port.id}/${entry.ip}`,
      addresses: [entry.ip],
      fqdn: entry.fqdn,
      hostname: entry.hostname,
    }));
    const ids = new Set(hosts.map((host) => host.id));
    for (const id of this.hostIds.get(port.id) ?? []) if (!ids.has(id)) this.dns.zone.removeHost(id);
    const kept: string[] = [];
    for (const host of hosts) {
      try {
        this.dns.zone.upsertHost(host);
        kept.push(host.id);
      } catch (error) {
        if (!isQdhcpError(error, 'DNS_ZONE_INVALID')) throw error;
        this.dns.zone.removeHost(host.id);
        this.rejectedHosts++;
        this.logger.warn(
          { event: 'dns.zone.rejected', portId: port.id, reason: error.message },
          'name not served',
        );
      }
    }
    if (kept.length === 0) this.hostIds.delete(port.id);
    else this.hostIds.set(port.id, kept);
  }

  /** Removes one port's names. */
  deletePort(portId: string): void {
    for (const id of this.hostIds.get(portId) ?? []) this.dns.zone.removeHost(id);
    this.hostIds.delete(portId);
  }

  /** Zone entries served (one per port fixed IP). */
  get hostCount(): number {
    return this.dns.zone.size;
  }

  /**
   * The DNS counters as flat driver counters (NetworkStatus.counters → /metrics): `dns.query.<TYPE>`,
   * `dns.response.<RCODE>`, and `dns.<counter>` for the others (forwarded, cacheHits, malformedDropped…).
   */
  counters(): Record<string, number> {
    const { queriesByType, responsesByRcode, ...rest } = this.dns.counters.snapshot();
    const flat: Record<string, number> = {};
    for (const [type, count] of Object.entries(queriesByType)) flat[`dns.query.${type}`] = count;
    for (const [rcode, count] of Object.entries(responsesByRcode)) flat[`dns.response.${rcode}`] = count;
    for (const [name, count] of Object.entries(rest)) if (count > 0) flat[`dns.${name}`] = count;
    if (this.rejectedHosts > 0) flat['dns.zoneRejected'] = this.rejectedHosts;
    return flat;
  }

  /** The counters a replacement continues from. */
  carriedCounters(): CarriedCounters {
    return { dns: this.dns.counters, rejectedHosts: this.rejectedHosts };
  }

  /** Closes listeners, connections and upstream sockets. Safe twice. */
  close(): Promise<void> {
    return this.dns.close();
  }
}

/**
 * The driver's converge step for DNS: keeps `current` when it listens where `prepared` wants (reloading
 * its zone), else closes it and opens a new one. `rebind` forces a new one (the DHCP device changed).
 */
export async function convergeServedDns(
  current: ServedDns | undefined,
  prepared: PreparedNetwork,
  options: ServedDnsOptions & { readonly rebind: boolean },
): Promise<ServedDns> {
  if (current !== undefined && !options.rebind && current.servesSame(prepared)) {
    current.load(prepared);
    return current;
  }
  await current?.close();
  return ServedDns.open(prepared, options, current?.carriedCounters());
}

function addressKey(prepared: PreparedNetwork): string {
  const { device } = prepared.desired;
  return [
    ...dhcpPortIpv4Addresses(device).map((entry) => entry.address),
    ...dhcpPortIpv6Addresses(device),
  ].join(' ');
}
