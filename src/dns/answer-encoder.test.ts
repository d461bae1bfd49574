import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { encodeAnswer, questionSectionEnd } from './answer-encoder.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { DnsRecord } from './message.js';
import { decide } from './responder.js';
import { Zone } from './zone.js';

function makeZone(): Zone {
  const zone = new Zone({ domain: 'openstacklocal', ttl: 7 });
  zone.upsertHost({
    id: 'a',
    addresses: ['10.77.0.5', '2001:db8::5'],
    fqdn: 'host-10-77-0-5.openstacklocal',
    hostname: 'host-10-77-0-5',
  });
  zone.upsertHost({
    id: 'b',
    addresses: Array.from({ length: 60 }, (_, i) => `10.77.1.${i}`),
    fqdn: 'many.openstacklocal',
    hostname: 'many',
  });
  return zone;
}

function rawQuery(name: string, type: dnsPacket.RecordType, edns: boolean, ednsVersion = 0): Buffer {
  const packet: dnsPacket.Packet = {
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
  };
  if (edns) {
    const opt = {
      type: 'OPT',
      name: '.',
      udpPayloadSize: 4096,
      ednsVersion,
      flags: dnsPacket.DNSSEC_OK,
      options: [],
    };
    packet.additionals = [opt as unknown as dnsPacket.Answer];
  }
  return dnsPacket.encode(packet);
}

/** Encodes the responder's answer both ways; both must decode to the same message. */
function bothWays(zone: Zone, query: Buffer, limit: number): { direct: Buffer; generic: Buffer } {
  const decision = decide(decodeMessage(query), zone, { forwarding: true });
  assert.equal(decision.kind, 'answer');
  if (decision.kind !== 'answer') throw new Error('unreachable');
  const direct = encodeAnswer(query, decision.response, limit);
  assert.ok(direct !== undefined);
  const generic = encodeMessage(decision.response);
  assert.deepEqual(decodeMessage(direct.bytes), decodeMessage(generic));
  return { direct: direct.bytes, generic };
}

describe('direct answer encoder', () => {
  const zone = makeZone();

  it('decodes to the same message as the general encoder (table)', () => {
    const table: readonly [string, dnsPacket.RecordType, boolean][] = [
      ['host-10-77-0-5.openstacklocal', 'A', false],
      ['HOST-10-77-0-5', 'AAAA', true],
      ['host-10-77-0-5', 'ANY' as dnsPacket.RecordType, true],
      ['5.0.77.10.in-addr.arpa', 'PTR', false],
      ['nothere.openstacklocal', 'A', true],
      ['host-10-77-0-5', 'TXT', false],
      ['openstacklocal', 'SOA', true],
      ['many.openstacklocal', 'A', false],
    ];
    for (const [name, type, edns] of table) bothWays(zone, rawQuery(name, type, edns), 65535);
  });

  it('copies the question byte for byte and compresses owner names to it', () => {
    const query = rawQuery('Many.OpenStackLocal', 'A', false);
    const { direct, generic } = bothWays(zone, query, 65535);
    const end = questionSectionEnd(query);
    assert.ok(end !== undefined);
    assert.deepEqual(direct.subarray(12, end), query.subarray(12, end));
    assert.equal(direct.readUInt16BE(end), 0xc00c);
    assert.equal(direct.length, 12 + (end - 12) + 60 * 16);
    assert.ok(generic.length > direct.length * 2);
  });

  it('truncates to header + question + OPT with TC', () => {
    const query = rawQuery('many.openstacklocal', 'A', true);
    const decision = decide(decodeMessage(query), zone, { forwarding: false });
    assert.ok(decision.kind === 'answer');
    const small = encodeAnswer(query, decision.response, 512);
    assert.ok(small?.truncated);
    const decoded = decodeMessage(small.bytes);
    assert.equal(decoded.flags.truncated, true);
    assert.equal(decoded.answers.length, 0);
    assert.deepEqual(decoded.edns, { udpPayloadSize: 1232, version: 0, dnssecOk: true });
    assert.equal(encodeAnswer(query, decision.response, 1232)?.truncated, false);
  });

  it('keeps BADVERS in the OPT record', () => {
    const query = rawQuery('host-10-77-0-5', 'A', true, 1);
    const { direct } = bothWays(zone, query, 512);
    assert.equal(decodeMessage(direct).rcode, 16);
  });

  it('declines what it cannot be sure of: compressed question, escaped mailbox, bad data', () => {
    const compressed = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    assert.equal(questionSectionEnd(compressed), undefined);
    const query = rawQuery('x.example', 'A', false);
    const message = { ...decodeMessage(query), isResponse: true };
    const soa = {
      mname: 'ns.example',
      rname: 'john\\.doe.example',
      serial: 1,
      refresh: 1,
      retry: 1,
      expire: 1,
      minimum: 1,
    };
    const table: readonly DnsRecord[] = [
      { name: 'x.example', type: 'SOA', class: 'IN', ttl: 1, data: soa },
      { name: 'x.example', type: 'A', class: 'IN', ttl: 1, data: 'not-an-address' },
      { name: 'x.example', type: 'MX', class: 'IN', ttl: 1, data: 'mail' },
    ];
    for (const record of table)
      assert.equal(encodeAnswer(query, { ...message, answers: [record] }, 512), undefined, record.type);
  });

  it('encodes forwarded answers of every kind the same as dns-packet, only smaller', () => {
    const query = rawQuery('www.example.org', 'A', true);
    const upstream = dnsPacket.encode({
      type: 'response',
      id: 4242,
      flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'www.example.org', type: 'A', class: 'IN' }],
      answers: [
        { name: 'www.example.org', type: 'CNAME', ttl: 30, data: 'edge.cdn.example.net' },
        ...Array.from({ length: 10 }, (_, i) => ({
          name: 'edge.cdn.example.net',
          type: 'A' as const,
          ttl: 20,
          data: `192.0.2.${i}`,
        })),
        { name: 'edge.cdn.example.net', type: 'AAAA', ttl: 20, data: '2001:db8::1' },
        { name: 'example.org', type: 'MX', ttl: 5, data: { preference: 10, exchange: 'mail.example.org' } },
        { name: 'example.org', type: 'TXT', ttl: 5, data: ['v=spf1 -all', 'second'] },
        {
          name: '_sip._udp.example.org',
          type: 'SRV',
          ttl: 5,
          data: { priority: 1, weight: 2, port: 5060, target: 'sip.example.org' },
        },
        { name: 'example.org', type: 'CAA', ttl: 5, data: { flags: 0, tag: 'issue', value: 'ca.example' } },
        {
          name: 'example.org',
          type: 'UNKNOWN_65280' as dnsPacket.RecordType,
          ttl: 5,
          data: Buffer.from([1, 2, 3]),
        } as dnsPacket.Answer,
      ],
      authorities: [
        { name: 'example.org', type: 'NS', ttl: 60, data: 'ns1.example.org' },
        {
          name: 'example.org',
          type: 'SOA',
          ttl: 60,
          data: {
            mname: 'ns1.example.org',
            rname: 'hostmaster.example.org',
            serial: 7,
            refresh: 1,
            retry: 2,
            expire: 3,
            minimum: 4,
          },
        },
      ],
      additionals: [{ name: 'NS1.Example.ORG', type: 'A', ttl: 60, data: '192.0.2.53' }], // case kept
    });
    const forwarded = decodeMessage(upstream);
    const response = { ...forwarded, edns: decodeMessage(query).edns };
    const direct = encodeAnswer(query, response, 65535);
    assert.ok(direct !== undefined);
    const generic = encodeMessage(response);
    assert.deepEqual(decodeMessage(direct.bytes), decodeMessage(generic));
    assert.ok(
      direct.bytes.length < generic.length * 0.6,
      `${direct.bytes.length} vs ${generic.length} octets`,
    );
    assert.ok(
      direct.bytes.length <= 512 && generic.length > 512,
      `${direct.bytes.length} and ${generic.length} octets: only ours fits a non-EDNS client`,
    );
  });

  it('agrees with the general encoder for random hosts and names (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.ipV4(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.ipV6(), { maxLength: 3 }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.constantFrom<dnsPacket.RecordType>('A', 'AAAA', 'ANY' as dnsPacket.RecordType, 'MX'),
        fc.boolean(),
        (v4, v6, hostname, type, edns) => {
          const random = new Zone();
          random.upsertHost({
            id: 'h',
            addresses: [...v4, ...v6],
            fqdn: `${hostname}.openstacklocal`,
            hostname,
          });
          bothWays(random, rawQuery(`${hostname}.openstacklocal`, type, edns), 65535);
          const reverse = `${v4[0]?.split('.').reverse().join('.')}.in-addr.arpa`;
          bothWays(random, rawQuery(reverse, 'PTR', edns), 65535);
        },
      ),
      { numRuns: 300 },
    );
  });
});
