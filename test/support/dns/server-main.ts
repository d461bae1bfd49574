import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../../src/common/logger.js';
import { DnsCache } from '../../../src/dns/cache.js';
import { DnsCounters } from '../../../src/dns/counters.js';
import { Forwarder, parseUpstream } from '../../../src/dns/forwarder.js';
import { listenDns } from '../../../src/dns/listen.js';
import { createDnsServer } from '../../../src/dns/server.js';
import { Zone, type ZoneHost } from '../../../src/dns/zone.js';

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
  const zone = new Zone({ domain: config.domain, ttl: config.ttl });
  for (const host of config.hosts) zone.upsertHost(host);
  // One set of counters per network, shared by the server and its forwarder.
  const counters = new DnsCounters();
  const forwarder =
    config.upstreams.length === 0
      ? undefined
      : new Forwarder({
          upstreams: config.upstreams.map(parseUpstream),
          cache: new DnsCache(),
          counters,
          logger,
          timeoutMs: config.timeoutMs,
        });
  const server = createDnsServer({ zone, forwarder, logger, counters });
  await listenDns(server, { addresses: [config.listen], port: config.port });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    process.stdout.write(`counters ${JSON.stringify(server.counters.snapshot())}\n`);
    forwarder?.close();
    void server.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`dns server-main: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
