import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { encodeLocalAnswer, questionSectionEnd } from './answer-encoder.js';
import { decodeMessage, encodeMessage } from './codec.js';
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
  const direct = encodeLocalAnswer(query, decision.response, limit);
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
    const small = encodeLocalAnswer(query, decision.response, 512);
    assert.ok(small?.truncated);
    const decoded = decodeMessage(small.bytes);
    assert.equal(decoded.flags.truncated, true);
    assert.equal(decoded.answers.length, 0);
    assert.deepEqual(decoded.edns, { udpPayloadSize: 1232, version: 0, dnssecOk: true });
    assert.equal(encodeLocalAnswer(query, decision.response, 1232)?.truncated, false);
  });

  it('keeps BADVERS in the OPT record', () => {
    const query = rawQuery('host-10-77-0-5', 'A', true, 1);
    const { direct } = bothWays(zone, query, 512);
    assert.equal(decodeMessage(direct).rcode, 16);
  });

  it('declines what it does not handle: compressed question, other record types', () => {
    const compressed = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    assert.equal(questionSectionEnd(compressed), undefined);
    const query = rawQuery('x.example', 'TXT', false);
    const message = decodeMessage(query);
    const response = {
      ...message,
      isResponse: true,
      answers: [{ name: 'x.example', type: 'TXT', class: 'IN', ttl: 1, data: [Buffer.from('t')] }],
    };
    assert.equal(encodeLocalAnswer(query, response, 512), undefined);
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
