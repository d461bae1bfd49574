import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import {
  buildQuery,
  type ResponseView,
  tcpExchange,
  udpExchange,
  viewResponse,
} from '../../test/support/dns/client.js';
import { startTestUpstream, type TestUpstream } from '../../test/support/dns/upstream.js';
import { createLogger } from '../common/logger.js';
import { DnsCache } from './cache.js';
import { DnsCounters } from './counters.js';
import { Forwarder } from './forwarder.js';
import { createDnsServer, type DnsServer, type DnsServerLimits } from './server.js';
import { Zone } from './zone.js';

const logger = createLogger({ level: 'silent' });
const HOST = '127.0.0.1';

interface Running {
  readonly server: DnsServer;
  readonly zone: Zone;
  readonly udpPort: number;
  readonly tcpPort: number;
}

async function start(options: { forwarder?: Forwarder; limits?: DnsServerLimits } = {}): Promise<Running> {
  const zone = new Zone({ domain: 'openstacklocal' });
  zone.upsertHost({
    id: 'p1',
    addresses: ['10.77.0.5'],
    fqdn: 'host-10-77-0-5.openstacklocal',
    hostname: 'host-10-77-0-5',
  });
  const many = Array.from({ length: 60 }, (_, i) => `10.77.1.${i + 1}`);
  zone.upsertHost({ id: 'p2', addresses: many, fqdn: 'many.openstacklocal', hostname: 'many' });
  const server = createDnsServer({ zone, forwarder: options.forwarder, logger, limits: options.limits });
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, HOST, () => resolve()));
  const tcp = net.createServer();
  await new Promise<void>((resolve) => tcp.listen(0, HOST, () => resolve()));
  server.attachUdp(udp);
  server.attachTcp(tcp);
  const tcpAddress = tcp.address();
  assert.ok(tcpAddress !== null && typeof tcpAddress === 'object');
  return { server, zone, udpPort: udp.address().port, tcpPort: tcpAddress.port };
}

async function udpAsk(
  port: number,
  name: string,
  type: dnsPacket.RecordType,
  edns?: number,
): Promise<ResponseView> {
  const response = await udpExchange(
    HOST,
    port,
    buildQuery(name, type, 7, edns === undefined ? {} : { edns }),
  );
  assert.ok(response !== undefined, `no UDP answer for ${name}`);
  return viewResponse(response);
}

describe('dns server on real sockets', () => {
  let local: Running;
  let upstream: TestUpstream;
  let forwarding: Running;
  let forwarder: Forwarder;

  before(async () => {
    local = await start({ limits: { maxTcpConnections: 2, tcpIdleTimeoutMs: 300 } });
    upstream = await startTestUpstream(HOST);
    forwarder = new Forwarder({
      upstreams: [{ address: HOST, port: upstream.port }],
      cache: new DnsCache(),
      counters: new DnsCounters(),
      logger,
      timeoutMs: 300,
    });
    forwarding = await start({ forwarder });
  });
  after(async () => {
    await local.server.close();
    await local.server.close();
    await forwarding.server.close();
    forwarder.close();
    await upstream.close();
  });

  it('answers a local name over UDP, authoritatively, TTL 0', async () => {
    const response = await udpAsk(local.udpPort, 'host-10-77-0-5.openstacklocal', 'A');
    assert.equal(response.id, 7);
    assert.equal(response.aa, true);
    assert.equal(response.ra, false);
    assert.equal(response.rcode, 'NOERROR');
    assert.deepEqual(
      response.answers.map((a) => [a.type, a.data, a.ttl]),
      [['A', '10.77.0.5', 0]],
    );
  });

  it('sees a port change on the very next query', async () => {
    local.zone.upsertHost({
      id: 'p1',
      addresses: ['10.77.0.9'],
      fqdn: 'host-10-77-0-9.openstacklocal',
      hostname: 'host-10-77-0-9',
    });
    assert.equal((await udpAsk(local.udpPort, 'host-10-77-0-5.openstacklocal', 'A')).rcode, 'NXDOMAIN');
    assert.equal((await udpAsk(local.udpPort, 'host-10-77-0-9', 'A')).answers?.[0]?.data, '10.77.0.9');
    local.zone.upsertHost({
      id: 'p1',
      addresses: ['10.77.0.5'],
      fqdn: 'host-10-77-0-5.openstacklocal',
      hostname: 'host-10-77-0-5',
    });
  });

  it('truncates over UDP (512 without EDNS) and answers in full over TCP', async () => {
    const udp = await udpAsk(local.udpPort, 'many.openstacklocal', 'A');
    assert.equal(udp.tc, true);
    assert.equal(udp.answers?.length, 0);
    const tcp = await tcpExchange(HOST, local.tcpPort, [buildQuery('many.openstacklocal', 'A', 9)]);
    assert.equal(tcp.get(9)?.answers?.length, 60);
    assert.equal(tcp.get(9)?.tc, false);
    assert.ok(local.server.counters.truncated >= 1);
  });

  it('serves several pipelined queries on one TCP connection', async () => {
    const names = [
      'host-10-77-0-5',
      'nothere.openstacklocal',
      'example.org',
      'host-10-77-0-5.openstacklocal',
    ];
    const responses = await tcpExchange(
      HOST,
      local.tcpPort,
      names.map((name, i) => buildQuery(name, 'A', 100 + i)),
    );
    assert.deepEqual(
      names.map((_, i) => responses.get(100 + i)?.rcode),
      ['NOERROR', 'NXDOMAIN', 'REFUSED', 'NOERROR'],
    );
  });

  it('closes idle TCP connections and refuses connections over the limit', async () => {
    const open = (): Promise<{ socket: net.Socket; closedAfterMs: Promise<number> }> =>
      new Promise((resolve) => {
        const started = Date.now();
        const socket = net.connect({ host: HOST, port: local.tcpPort }, () =>
          resolve({
            socket,
            closedAfterMs: new Promise((done) => socket.on('close', () => done(Date.now() - started))),
          }),
        );
        socket.on('error', () => undefined);
      });
    const before = local.server.counters.tcpConnectionsRejected;
    const a = await open();
    const b = await open();
    const c = await open();
    const rejectedAfter = await c.closedAfterMs;
    assert.equal(local.server.counters.tcpConnectionsRejected, before + 1);
    const idle = await a.closedAfterMs;
    assert.ok(
      rejectedAfter < idle,
      `over-limit connection closed at once (${rejectedAfter} ms), before the idle one`,
    );
    assert.ok(idle >= 250 && idle < 5000, `idle close after ${idle} ms`);
    await b.closedAfterMs;
  });

  it('drops and counts malformed datagrams and responses, then keeps answering', async () => {
    const counters = local.server.counters;
    const malformed = counters.malformedDropped;
    assert.equal(await udpExchange(HOST, local.udpPort, Buffer.from('garbage!'), 200), undefined);
    const response = dnsPacket.encode({ type: 'response', id: 3, questions: [{ name: 'x', type: 'A' }] });
    assert.equal(await udpExchange(HOST, local.udpPort, response, 200), undefined);
    assert.equal(counters.malformedDropped, malformed + 1);
    assert.equal(counters.notQueryDropped, 1);
    assert.equal((await udpAsk(local.udpPort, 'host-10-77-0-5', 'A')).rcode, 'NOERROR');
    assert.ok((counters.snapshot().queriesByType['A'] ?? 0) >= 1);
  });

  it('answers SERVFAIL, not silence, when an upstream record cannot be re-encoded', async () => {
    // The real forwarder cannot be made to return such a record, so this one stub stands in for it.
    const broken = {
      resolve: async () => ({
        rcode: 0,
        authenticData: false,
        answers: [{ name: 'x.fwd.test', type: 'MX', class: 'IN', ttl: 1, data: 'not MX data' }],
        authorities: [],
        additionals: [],
      }),
    } as unknown as Forwarder;
    const server = createDnsServer({ zone: new Zone(), forwarder: broken, logger });
    const response = await server.handleMessage(buildQuery('x.fwd.test', 'MX', 5), 'udp');
    assert.ok(response !== undefined);
    assert.equal(viewResponse(response).rcode, 'SERVFAIL');
    assert.deepEqual(server.counters.snapshot().responsesByRcode, { SERVFAIL: 1 });
    await server.close();
  });

  it('forwards other names, RA set, and serves repeats from the cache', async () => {
    const first = await udpAsk(forwarding.udpPort, 'a10.fwd.test', 'A');
    assert.equal(first.rcode, 'NOERROR');
    assert.equal(first.ra, true);
    assert.equal(first.aa, false);
    const second = await udpAsk(forwarding.udpPort, 'a10.fwd.test', 'A');
    assert.deepEqual(second.answers?.[0]?.data, first.answers?.[0]?.data);
    assert.equal(upstream.queries.get('a10.fwd.test'), 1);
    assert.equal((await udpAsk(forwarding.udpPort, 'servfail.fwd.test', 'A')).rcode, 'SERVFAIL');
    assert.equal((await udpAsk(forwarding.udpPort, 'host-10-77-0-5', 'A')).aa, true);
    const big = await udpAsk(forwarding.udpPort, 'big.fwd.test', 'A', 1232);
    assert.equal(big.tc, true);
    const full = await tcpExchange(HOST, forwarding.tcpPort, [buildQuery('big.fwd.test', 'A', 11)]);
    assert.equal(full.get(11)?.answers?.length, 120);
  });
});
