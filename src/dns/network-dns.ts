import type { Logger } from '../common/logger.js';
import { DnsCache, type DnsCacheOptions } from './cache.js';
import { DnsCounters } from './counters.js';
import { Forwarder, type ForwarderTransport, parseUpstream } from './forwarder.js';
import { createDnsServer, type DnsServer, type DnsServerLimits } from './server.js';
import { Zone, type ZoneOptions } from './zone.js';

/**
 * The DNS service of one network, wired in one place: its zone, its cache and forwarder (when upstreams
 * are configured), its counters shared by both, and its server. The agent creates one per network and
 * hands it the sockets it opened in that network's namespace.
 *
 * @module
 */

/** Settings of one network's DNS service. */
export interface NetworkDnsOptions {
  readonly logger: Logger;
  /** Zone settings (`domain` = the agent's `dns_domain`, default `openstacklocal`). */
  readonly zone?: ZoneOptions;
  /** Upstream resolvers as written in `--dns-servers` (`192.0.2.53`, `192.0.2.53#5353`); none → REFUSED. */
  readonly upstreams?: readonly string[];
  /** Where upstream sockets come from (default: the current namespace). */
  readonly transport?: ForwarderTransport;
  readonly upstreamTimeoutMs?: number;
  readonly cache?: DnsCacheOptions;
  readonly limits?: DnsServerLimits;
  /** Counters to continue (a network's DNS re-opened on new addresses keeps counting), else new ones. */
  readonly counters?: DnsCounters;
}

/** One network's DNS: feed `zone`, attach sockets to `server`, read `counters`, `close()` at the end. */
export interface NetworkDns {
  readonly zone: Zone;
  readonly server: DnsServer;
  readonly counters: DnsCounters;
  /** Closes the server (and the sockets attached to it) and the forwarder. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Builds one network's DNS service. Does no I/O: nothing is bound until sockets are attached.
 * Throws `DNS_ZONE_INVALID` or `DNS_CONFIG_INVALID` on bad settings.
 *
 * @example
 * const dns = createNetworkDns({ logger: log.child({ networkId }), upstreams: config.dnsServers });
 * dns.zone.replaceHosts(hostsOf(network));
 * dns.server.attachUdp(udpSocket);
 * dns.server.attachTcp(tcpServer);
 */
export function createNetworkDns(options: NetworkDnsOptions): NetworkDns {
  const counters = options.counters ?? new DnsCounters();
  const zone = new Zone(options.zone);
  const upstreams = (options.upstreams ?? []).map(parseUpstream);
  const forwarder =
    upstreams.length === 0
      ? undefined
      : new Forwarder({
          upstreams,
          cache: new DnsCache(options.cache),
          counters,
          logger: options.logger,
          timeoutMs: options.upstreamTimeoutMs,
          transport: options.transport,
        });
  const server = createDnsServer({
    zone,
    forwarder,
    logger: options.logger,
    counters,
    limits: options.limits,
  });
  return {
    zone,
    server,
    counters,
    close: async () => {
      forwarder?.close();
      await server.close();
    },
  };
}
