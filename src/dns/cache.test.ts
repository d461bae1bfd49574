import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey, DnsCache, type ResolvedAnswer } from './cache.js';
import { addressRecord, type DnsRecord, Rcode, soaRecord } from './message.js';

const SOA = (ttl: number, minimum: number): DnsRecord =>
  soaRecord('example.org', ttl, {
    mname: 'ns',
    rname: 'h',
    serial: 1,
    refresh: 1,
    retry: 1,
    expire: 1,
    minimum,
  });

function answer(rcode: number, answers: DnsRecord[], authorities: DnsRecord[] = []): ResolvedAnswer {
  return { rcode, authenticData: false, answers, authorities, additionals: [] };
}

describe('dns cache', () => {
  it('keys by name (case-insensitive), type and class', () => {
    assert.equal(cacheKey({ name: 'WWW.Example.org.', type: 'A', class: 'IN' }), 'www.example.org|A|IN');
    assert.notEqual(
      cacheKey({ name: 'a', type: 'A', class: 'IN' }),
      cacheKey({ name: 'a', type: 'AAAA', class: 'IN' }),
    );
  });

  it('stores for the smallest TTL (RFC 2308 §5 for negatives) and only what may be cached', () => {
    const table: readonly { what: string; answer: ResolvedAnswer; ttl: number }[] = [
      {
        what: 'positive',
        answer: answer(Rcode.NOERROR, [
          addressRecord('a', 300, '192.0.2.1'),
          addressRecord('a', 60, '192.0.2.2'),
        ]),
        ttl: 60,
      },
      { what: 'TTL 0', answer: answer(Rcode.NOERROR, [addressRecord('a', 0, '192.0.2.1')]), ttl: 0 },
      {
        what: 'capped',
        answer: answer(Rcode.NOERROR, [addressRecord('a', 999_999, '192.0.2.1')]),
        ttl: 86_400,
      },
      { what: 'NXDOMAIN min(SOA ttl, minimum)', answer: answer(Rcode.NXDOMAIN, [], [SOA(60, 30)]), ttl: 30 },
      { what: 'NODATA', answer: answer(Rcode.NOERROR, [], [SOA(20, 300)]), ttl: 20 },
      { what: 'NXDOMAIN without SOA', answer: answer(Rcode.NXDOMAIN, []), ttl: 0 },
      { what: 'SERVFAIL', answer: answer(Rcode.SERVFAIL, []), ttl: 0 },
      { what: 'REFUSED', answer: answer(Rcode.REFUSED, [addressRecord('a', 60, '192.0.2.1')]), ttl: 0 },
    ];
    for (const row of table) {
      const cache = new DnsCache();
      assert.equal(cache.put('k', row.answer, 0), row.ttl, row.what);
      assert.equal(cache.get('k', 0) !== undefined, row.ttl > 0, row.what);
    }
  });

  it('hands out decremented TTLs and forgets at expiry', () => {
    const cache = new DnsCache();
    cache.put('k', answer(Rcode.NOERROR, [addressRecord('a', 60, '192.0.2.1')], [SOA(100, 100)]), 1_000);
    assert.equal(cache.get('k', 1_999)?.answers[0]?.ttl, 60);
    assert.equal(cache.get('k', 21_000)?.answers[0]?.ttl, 40);
    assert.equal(cache.get('k', 21_000)?.authorities[0]?.ttl, 80);
    assert.equal(cache.get('k', 60_999)?.answers[0]?.ttl, 1);
    assert.equal(cache.get('k', 61_000), undefined);
    assert.equal(cache.size, 0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new DnsCache({ maxEntries: 2 });
    const a = answer(Rcode.NOERROR, [addressRecord('a', 60, '192.0.2.1')]);
    cache.put('one', a, 0);
    cache.put('two', a, 0);
    assert.ok(cache.get('one', 0));
    cache.put('three', a, 0);
    assert.ok(cache.get('one', 0));
    assert.equal(cache.get('two', 0), undefined);
    assert.ok(cache.get('three', 0));
    assert.equal(cache.size, 2);
  });
});
