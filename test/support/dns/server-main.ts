import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../../src/common/logger.js';
import { listenDns } from '../../../src/dns/listen.js';
import { createNetworkDns } from '../../../src/dns/network-dns.js';
import type { ZoneHost } from '../../../src/dns/zone.js';

/**
 * A DNS server process for e2e tests and the benchmark, run inside a namespace:
 * `ip netns exec NS node dist/test/support/dns/server-main.js --config FILE`. The JSON config gives
 * `{ listen, port, domain?, ttl?, hosts: ZoneHost[], upstreams: string[], timeoutMs? }`. Prints `ready`
 * on stdout once UDP and TCP are bound; SIGTERM closes everything and exits.
 */
interface Config {
  readonly listen: string;
  readonly port: number;
  readonly domain?: string;
  readonly ttl?: number;
  readonly hosts: readonly ZoneHost[];
  readonly upstreams: readonly string[];
  readonly timeoutMs?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (values.config === undefined) throw new Error('--config FILE is required');
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as Config;
  const logger = createLogger({ name: 'dns-test-server', level: 'warn' });
  const dns = createNetworkDns({
    logger,
    zone: { domain: config.domain, ttl: config.ttl },
    upstreams: config.upstreams,
    upstreamTimeoutMs: config.timeoutMs,
  });
  dns.zone.replaceHosts(config.hosts);
  const { server } = dns;
  await listenDns(server, { addresses: [config.listen], port: config.port });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    process.stdout.write(`counters ${JSON.stringify(server.counters.snapshot())}\n`);
    void dns.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`dns server-main: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
