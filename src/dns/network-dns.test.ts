import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildQuery, viewResponse } from '../../test/support/dns/client.js';
import { startTestUpstream } from '../../test/support/dns/upstream.js';
import { isQdhcpError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createNetworkDns } from './network-dns.js';

const logger = createLogger({ level: 'silent' });

describe('createNetworkDns', () => {
  it('wires zone, forwarder and one set of counters', async () => {
    const upstream = await startTestUpstream('127.0.0.1');
    const dns = createNetworkDns({
      logger,
      upstreams: [`127.0.0.1#${upstream.port}`],
      upstreamTimeoutMs: 500,
    });
    try {
      dns.zone.replaceHosts([
        { id: 'p', addresses: ['10.77.0.5'], fqdn: 'vm.openstacklocal', hostname: 'vm' },
      ]);
      const local = await dns.server.handleMessage(buildQuery('vm', 'A', 1), 'udp');
      assert.equal(local && viewResponse(local).answers[0]?.data, '10.77.0.5');
      const forwarded = await dns.server.handleMessage(buildQuery('a20.fwd.test', 'A', 2), 'udp');
      assert.equal(forwarded && viewResponse(forwarded).rcode, 'NOERROR');
      assert.equal(dns.server.counters, dns.counters);
      assert.equal(dns.counters.forwarded, 1);
      assert.equal(dns.counters.cacheMisses, 1);
      assert.deepEqual(dns.counters.snapshot().responsesByRcode, { NOERROR: 2 });
    } finally {
      await dns.close();
      await dns.close();
      await upstream.close();
    }
  });

  it('without upstreams answers other names REFUSED', async () => {
    const dns = createNetworkDns({ logger });
    const response = await dns.server.handleMessage(buildQuery('example.org', 'A', 3), 'udp');
    assert.equal(response && viewResponse(response).rcode, 'REFUSED');
    await dns.close();
  });

  it('rejects bad settings with typed errors', () => {
    assert.throws(
      () => createNetworkDns({ logger, upstreams: ['resolver.example'] }),
      (error: unknown) => isQdhcpError(error, 'DNS_CONFIG_INVALID'),
    );
    assert.throws(
      () => createNetworkDns({ logger, zone: { domain: 'bad..domain' } }),
      (error: unknown) => isQdhcpError(error, 'DNS_ZONE_INVALID'),
    );
  });
});
