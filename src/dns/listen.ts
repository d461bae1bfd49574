import dgram from 'node:dgram';
import net from 'node:net';
import type { DnsServer } from './server.js';

/**
 * Binding for a process that already runs inside the network's namespace (tests, the benchmark, a
 * per-namespace helper): opens UDP and TCP on each given address and attaches them to the server.
 *
 * An agent that serves many namespaces from one process instead creates the sockets inside each
 * namespace itself and calls {@link DnsServer.attachUdp} / {@link DnsServer.attachTcp}. For TCP an
 * inherited descriptor works too (`net.createServer().listen({ fd })`); Node cannot adopt a UDP
 * descriptor, so UDP sockets must be `dgram.Socket`s.
 *
 * @module
 */

/**
 * A `dgram` lookup for sockets that only ever send to IP literals (answers go to `rinfo.address`): Node's
 * default runs `dns.lookup`, which for a literal still defers the send by one `process.nextTick` and a
 * closure per datagram. This answers synchronously.
 */
export function literalLookup(
  address: string,
  _options: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  // A colon only appears in IPv6 text; net.isIPv6's regular expression would cost more than the lookup saves.
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** Where to listen. */
export interface DnsListenOptions {
  /** Addresses to bind (the DHCP port's addresses in the namespace). */
  readonly addresses: readonly string[];
  /** Port (53 in production; tests may use another). */
  readonly port: number;
}

/**
 * Binds UDP and TCP on every address and attaches them; rejects (closing what was opened) on failure.
 * Used by the standalone DNS server the end-to-end tests run (test/support/dns/server-main.ts); the agent
 * opens its sockets inside namespaces instead (agent/drivers/builtin/served-dns.ts).
 *
 * @internal
 */
export async function listenDns(server: DnsServer, options: DnsListenOptions): Promise<void> {
  const opened: { close(): unknown }[] = [];
  try {
    for (const address of options.addresses) {
      const udp = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup });
      opened.push(udp);
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(options.port, address, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const tcp = net.createServer();
      opened.push(tcp);
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: options.port, host: address, backlog: 128 }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    }
  } catch (error) {
    for (const handle of opened) {
      try {
        handle.close();
      } catch {
        // not open
      }
    }
    throw error;
  }
  for (const handle of opened) {
    if (handle instanceof net.Server) server.attachTcp(handle);
    else server.attachUdp(handle as dgram.Socket);
  }
}
