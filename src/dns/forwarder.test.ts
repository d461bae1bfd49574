import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { startTestUpstream, type TestUpstream } from '../../test/support/dns/upstream.js';
import { isQdhcpError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { DnsCache } from './cache.js';
import { DnsCounters } from './counters.js';
import { Forwarder, type ForwarderOptions, parseUpstream } from './forwarder.js';
import { Rcode } from './message.js';

const logger = createLogger({ level: 'silent' });
const q = (name: string, type = 'A') => ({ name, type, class: 'IN' });

describe('dns forwarder (against a real UDP/TCP upstream on 127.0.0.1)', () => {
  let upstream: TestUpstream;
  let deadPort: number;
  const forwarders: Forwarder[] = [];

  before(async () => {
    upstream = await startTestUpstream('127.0.0.1');
    // A port that was just open and is now closed: queries to it go unanswered.
    const dead = await startTestUpstream('127.0.0.1');
    deadPort = dead.port;
    await dead.close();
  });
  after(async () => {
    for (const forwarder of forwarders) forwarder.close();
    await upstream.close();
  });

  function make(overrides: Partial<ForwarderOptions> = {}): {
    forwarder: Forwarder;
    counters: DnsCounters;
    clock: { now: number };
  } {
    const counters = new DnsCounters();
    const clock = { now: 1_000_000 };
    const forwarder = new Forwarder({
      upstreams: [{ address: '127.0.0.1', port: upstream.port }],
      cache: new DnsCache(),
      counters,
      logger,
      timeoutMs: 300,
      now: () => clock.now,
      ...overrides,
    });
    forwarders.push(forwarder);
    return { forwarder, counters, clock };
  }

  it('parses upstreams and rejects bad ones', () => {
    assert.deepEqual(parseUpstream('192.0.2.53'), { address: '192.0.2.53', port: 53 });
    assert.deepEqual(parseUpstream('2001:db8::53#5353'), { address: '2001:db8::53', port: 5353 });
    for (const bad of ['dns.example', '192.0.2.1#0', '192.0.2.1#x', ''])
      assert.throws(
        () => parseUpstream(bad),
        (error: unknown) => isQdhcpError(error, 'DNS_CONFIG_INVALID'),
      );
    assert.throws(
      () => make({ upstreams: [] }),
      (error: unknown) => isQdhcpError(error, 'DNS_CONFIG_INVALID'),
    );
  });

  it('answers from upstream, then from the cache with the TTL decremented', async () => {
    const { forwarder, counters, clock } = make();
    const first = await forwarder.resolve(q('a1.fwd.test'));
    assert.equal(first.rcode, Rcode.NOERROR);
    assert.equal(first.answers[0]?.ttl, 300);
    clock.now += 10_500;
    const second = await forwarder.resolve(q('A1.FWD.test'));
    assert.equal(second.answers[0]?.ttl, 290);
    assert.deepEqual(second.answers[0]?.data, first.answers[0]?.data);
    assert.equal(upstream.queries.get('a1.fwd.test'), 1);
    assert.equal(counters.cacheHits, 1);
    assert.equal(counters.cacheMisses, 1);
    assert.equal(counters.forwarded, 1);
  });

  it('asks again once the TTL has run out', async () => {
    const { forwarder, clock } = make();
    await forwarder.resolve(q('ttl2.fwd.test'));
    clock.now += 1_999;
    await forwarder.resolve(q('ttl2.fwd.test'));
    assert.equal(upstream.queries.get('ttl2.fwd.test'), 1);
    clock.now += 1;
    await forwarder.resolve(q('ttl2.fwd.test'));
    assert.equal(upstream.queries.get('ttl2.fwd.test'), 2);
  });

  it('caches NXDOMAIN for the SOA minimum (RFC 2308)', async () => {
    const { forwarder, clock } = make();
    assert.equal((await forwarder.resolve(q('nx1.fwd.test'))).rcode, Rcode.NXDOMAIN);
    clock.now += 29_000;
    const cached = await forwarder.resolve(q('nx1.fwd.test'));
    assert.equal(cached.rcode, Rcode.NXDOMAIN);
    assert.equal(cached.authorities[0]?.ttl, 31);
    assert.equal(upstream.queries.get('nx1.fwd.test'), 1);
    clock.now += 1_000;
    await forwarder.resolve(q('nx1.fwd.test'));
    assert.equal(upstream.queries.get('nx1.fwd.test'), 2);
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    const { forwarder, counters } = make();
    const answer = await forwarder.resolve(q('big.fwd.test'));
    assert.equal(answer.rcode, Rcode.NOERROR);
    assert.equal(answer.answers.length, 120);
    assert.equal(counters.upstreamTcpRetries, 1);
  });

  it('moves on to the next upstream after a timeout, SERVFAIL when all fail', async () => {
    const { forwarder, counters } = make({
      upstreams: [
        { address: '127.0.0.1', port: deadPort },
        { address: '127.0.0.1', port: upstream.port },
      ],
    });
    assert.equal((await forwarder.resolve(q('a2.fwd.test'))).rcode, Rcode.NOERROR);
    assert.equal(counters.upstreamTimeouts, 1);
    const started = Date.now();
    assert.equal((await forwarder.resolve(q('silent.fwd.test'))).rcode, Rcode.SERVFAIL);
    assert.ok(Date.now() - started < 1_500);
    assert.equal(counters.upstreamTimeouts, 3);
  });

  it('does not cache SERVFAIL from upstream', async () => {
    const { forwarder } = make();
    assert.equal((await forwarder.resolve(q('servfail.fwd.test'))).rcode, Rcode.SERVFAIL);
    assert.equal((await forwarder.resolve(q('servfail.fwd.test'))).rcode, Rcode.SERVFAIL);
    assert.equal(upstream.queries.get('servfail.fwd.test'), 2);
  });

  it('shares one upstream query among identical questions in flight', async () => {
    const { forwarder } = make();
    const answers = await Promise.all(Array.from({ length: 5 }, () => forwarder.resolve(q('a3.fwd.test'))));
    assert.ok(answers.every((a) => a.rcode === Rcode.NOERROR));
    assert.equal(upstream.queries.get('a3.fwd.test'), 1);
  });

  it('answers SERVFAIL at once when the in-flight table is full', async () => {
    const { forwarder, counters } = make({ maxInFlight: 1 });
    const slow = forwarder.resolve(q('silent.fwd.test'));
    const rejected = await forwarder.resolve(q('a4.fwd.test'));
    assert.equal(rejected.rcode, Rcode.SERVFAIL);
    assert.equal(counters.forwardRejected, 1);
    assert.equal((await slow).rcode, Rcode.SERVFAIL);
  });

  it('ignores answers from the wrong port or with another question, takes the real one', async () => {
    // A hand-driven "upstream": it learns the query's id and source port, then answers three times:
    // from another port, with another question, and finally correctly.
    const dgram = await import('node:dgram');
    const real = dgram.createSocket('udp4');
    const spoofer = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => real.bind(0, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => spoofer.bind(0, '127.0.0.1', () => resolve()));
    real.on('message', (bytes, rinfo) => {
      const query = dnsPacket.decode(bytes);
      const answer = (name: string, address: string): Buffer =>
        dnsPacket.encode({
          type: 'response',
          id: query.id ?? 0,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: [{ name, type: 'A', class: 'IN' }],
          answers: [{ name, type: 'A', ttl: 60, data: address }],
        });
      spoofer.send(answer('spoof.test', '203.0.113.66'), rinfo.port, rinfo.address);
      real.send(answer('other.test', '203.0.113.67'), rinfo.port, rinfo.address);
      setTimeout(() => real.send(answer('spoof.test', '192.0.2.10'), rinfo.port, rinfo.address), 50);
    });
    try {
      const { forwarder, counters } = make({
        upstreams: [{ address: '127.0.0.1', port: real.address().port }],
      });
      const answer = await forwarder.resolve(q('spoof.test'));
      assert.equal(answer.answers[0]?.data, '192.0.2.10');
      assert.equal(counters.upstreamErrors, 2);
    } finally {
      real.close();
      spoofer.close();
    }
  });

  it('close() ends pending queries with SERVFAIL', async () => {
    const { forwarder } = make({ timeoutMs: 5_000 });
    const pending = forwarder.resolve(q('silent.fwd.test'));
    forwarder.close();
    forwarder.close();
    assert.equal((await pending).rcode, Rcode.SERVFAIL);
    assert.equal((await forwarder.resolve(q('a5.fwd.test'))).rcode, Rcode.SERVFAIL);
  });
});
