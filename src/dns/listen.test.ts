import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { buildQuery, tcpExchange, udpExchange, viewResponse } from '../../test/support/dns/client.js';
import { createLogger } from '../common/logger.js';
import { listenDns } from './listen.js';
import { createDnsServer } from './server.js';
import { Zone } from './zone.js';

async function freeUdpPort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address();
  probe.close();
  return port;
}

describe('listenDns', () => {
  it('binds UDP and TCP on the same port and serves both', async () => {
    const zone = new Zone();
    zone.upsertHost({ id: 'p', addresses: ['10.77.0.5'], fqdn: 'vm.openstacklocal', hostname: 'vm' });
    const server = createDnsServer({ zone, logger: createLogger({ level: 'silent' }) });
    const port = await freeUdpPort();
    try {
      await listenDns(server, { addresses: ['127.0.0.1'], port });
      const udp = await udpExchange('127.0.0.1', port, buildQuery('vm', 'A', 1));
      assert.ok(udp !== undefined);
      assert.equal(viewResponse(udp).answers[0]?.data, '10.77.0.5');
      const tcp = await tcpExchange('127.0.0.1', port, [buildQuery('vm', 'A', 2)]);
      assert.equal(tcp.get(2)?.answers[0]?.data, '10.77.0.5');
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken, leaving nothing open', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
    const server = createDnsServer({ zone: new Zone(), logger: createLogger({ level: 'silent' }) });
    try {
      await assert.rejects(
        listenDns(server, { addresses: ['127.0.0.1'], port: taken.address().port }),
        /EADDRINUSE/,
      );
    } finally {
      taken.close();
      await server.close();
    }
  });
});
