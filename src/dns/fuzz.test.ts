import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { buildQuery, udpExchange, viewResponse } from '../../test/support/dns/client.js';
import { loadCapturedMessages } from '../../test/support/dns/fixtures.js';
import { mutate } from '../../test/support/dns/mutate.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { createLogger } from '../common/logger.js';
import { decodeMessage } from './codec.js';
import { OUR_UDP_PAYLOAD_SIZE } from './message.js';
import { createDnsServer } from './server.js';
import { Zone } from './zone.js';

/**
 * Fuzz: 100,000 malformed and mutated messages, seeded from the real dig / busybox nslookup queries of
 * test/fixtures/dns, thrown at an in-process server. Every one must be either answered with a
 * well-formed response of the right id and size, or dropped and counted; afterwards the server must
 * still answer, over a real socket. Deterministic (seeded PRNG), so a failure can be replayed.
 */

const PACKETS = 100_000;

describe('dns fuzz', () => {
  it(`survives ${PACKETS.toLocaleString('en')} mutated packets and keeps serving`, {
    timeout: 60_000,
  }, async () => {
    const seeds: Buffer[] = loadCapturedMessages()
      .filter((m) => m.direction === 'query')
      .map((m) => Buffer.from(m.hex, 'hex'));
    seeds.push(
      buildQuery('host-10-77-0-5.openstacklocal', 'A', 1),
      buildQuery('5.0.77.10.in-addr.arpa', 'PTR', 2),
    );
    assert.ok(seeds.length >= 10);
    const zone = new Zone();
    zone.upsertHost({
      id: 'p1',
      addresses: ['10.77.0.5', '2001:db8::5'],
      fqdn: 'host-10-77-0-5.openstacklocal',
      hostname: 'host-10-77-0-5',
    });
    zone.upsertHost({ id: 'p2', addresses: ['10.77.0.6'], fqdn: 'vm1.openstacklocal', hostname: 'vm1' });
    const server = createDnsServer({ zone, logger: createLogger({ level: 'silent' }) });
    const random = seededRandom(0x5eed);
    let answered = 0;
    const started = Date.now();
    try {
      for (let i = 0; i < PACKETS; i++) {
        const packet = mutate(seeds[i % seeds.length] ?? Buffer.alloc(0), random);
        const response = await server.handleMessage(new Uint8Array(packet), 'udp');
        if (response === undefined) continue;
        answered++;
        const decoded = decodeMessage(response);
        assert.equal(decoded.isResponse, true, `packet ${i}`);
        assert.equal(decoded.id, packet.readUInt16BE(0), `packet ${i}`);
        assert.ok(response.length <= OUR_UDP_PAYLOAD_SIZE, `packet ${i}: ${response.length} octets`);
      }
      const counters = server.counters;
      const dropped = counters.malformedDropped + counters.notQueryDropped;
      assert.equal(answered + dropped, PACKETS);
      assert.ok(counters.malformedDropped > PACKETS / 4, `${counters.malformedDropped} malformed`);
      assert.ok(answered > PACKETS / 10, `${answered} answered`);
      const elapsed = Date.now() - started;
      process.stdout.write(
        `# fuzz: ${PACKETS} packets in ${elapsed} ms: ${answered} answered, ${counters.malformedDropped} malformed, ${counters.notQueryDropped} not queries\n`,
      );

      // Still serving, over a real socket.
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      server.attachUdp(socket);
      const reply = await udpExchange(
        '127.0.0.1',
        socket.address().port,
        buildQuery('vm1.openstacklocal', 'A', 42),
      );
      assert.ok(reply !== undefined);
      const view = viewResponse(reply);
      assert.equal(view.rcode, 'NOERROR');
      assert.equal(view.answers[0]?.data, '10.77.0.6');
    } finally {
      await server.close();
    }
  });
});
