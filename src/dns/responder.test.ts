import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from './codec.js';
import { type DnsMessage, type Edns, NO_FLAGS, Rcode, rcodeName } from './message.js';
import { decide, encodeWithinLimit, type ResponderDecision, udpResponseLimit } from './responder.js';
import { Zone } from './zone.js';

function query(
  name: string,
  type: string,
  options: Partial<DnsMessage> & { klass?: string } = {},
): DnsMessage {
  return {
    id: 0x1234,
    isResponse: false,
    opcode: 0,
    flags: { ...NO_FLAGS, recursionDesired: true },
    rcode: 0,
    questions: [{ name, type, class: options.klass ?? 'IN' }],
    answers: [],
    authorities: [],
    additionals: [],
    edns: undefined,
    ...options,
  };
}

function makeZone(): Zone {
  const zone = new Zone({ domain: 'openstacklocal', ttl: 0 });
  zone.upsertHost({
    id: 'p1',
    addresses: ['10.77.0.5'],
    fqdn: 'host-10-77-0-5.openstacklocal',
    hostname: 'host-10-77-0-5',
  });
  zone.upsertHost({
    id: 'p2',
    addresses: ['10.77.0.6', '2001:db8::6'],
    fqdn: 'vm1.openstacklocal.',
    hostname: 'vm1',
  });
  return zone;
}

/** A decision as one comparable line: `answer NXDOMAIN aa ra an=A:10.77.0.5 ns=SOA`. */
function summary(decision: ResponderDecision): string {
  if (decision.kind === 'drop') return `drop ${decision.reason}`;
  if (decision.kind === 'forward') return `forward ${decision.question.name}/${decision.question.type}`;
  const r = decision.response;
  const parts = [`answer ${rcodeName(r.rcode)}`];
  if (r.flags.authoritative) parts.push('aa');
  if (r.flags.recursionAvailable) parts.push('ra');
  if (r.answers.length > 0) parts.push(`an=${r.answers.map((a) => `${a.type}:${String(a.data)}`).join(',')}`);
  if (r.authorities.length > 0) parts.push(`ns=${r.authorities.map((a) => a.type).join(',')}`);
  return parts.join(' ');
}

describe('dns responder decisions', () => {
  const zone = makeZone();
  const table: readonly { q: DnsMessage; forwarding: boolean; expect: string }[] = [
    {
      q: query('host-10-77-0-5.openstacklocal', 'A'),
      forwarding: false,
      expect: 'answer NOERROR aa an=A:10.77.0.5',
    },
    { q: query('HOST-10-77-0-5', 'A'), forwarding: true, expect: 'answer NOERROR aa ra an=A:10.77.0.5' },
    { q: query('vm1', 'AAAA'), forwarding: false, expect: 'answer NOERROR aa an=AAAA:2001:db8::6' },
    {
      q: query('vm1.openstacklocal', 'ANY'),
      forwarding: false,
      expect: 'answer NOERROR aa an=A:10.77.0.6,AAAA:2001:db8::6',
    },
    { q: query('host-10-77-0-5', 'AAAA'), forwarding: false, expect: 'answer NOERROR aa ns=SOA' },
    { q: query('host-10-77-0-5', 'TXT'), forwarding: true, expect: 'answer NOERROR aa ra ns=SOA' },
    {
      q: query('5.0.77.10.in-addr.arpa', 'PTR'),
      forwarding: false,
      expect: 'answer NOERROR aa an=PTR:host-10-77-0-5.openstacklocal',
    },
    {
      q: query(`6.0.0.0${'.0'.repeat(20)}.8.B.D.0.1.0.0.2.ip6.arpa.`, 'PTR'),
      forwarding: false,
      expect: 'answer NOERROR aa an=PTR:vm1.openstacklocal',
    },
    { q: query('5.0.77.10.in-addr.arpa', 'A'), forwarding: false, expect: 'answer NOERROR aa ns=SOA' },
    {
      q: query('9.0.77.10.in-addr.arpa', 'PTR'),
      forwarding: true,
      expect: 'forward 9.0.77.10.in-addr.arpa/PTR',
    },
    { q: query('9.0.77.10.in-addr.arpa', 'PTR'), forwarding: false, expect: 'answer REFUSED' },
    { q: query('nothere.openstacklocal', 'A'), forwarding: true, expect: 'answer NXDOMAIN aa ra ns=SOA' },
    { q: query('a.b.openstacklocal', 'AAAA'), forwarding: false, expect: 'answer NXDOMAIN aa ns=SOA' },
    {
      q: query('openstacklocal', 'SOA'),
      forwarding: false,
      expect: 'answer NOERROR aa an=SOA:[object Object]',
    },
    { q: query('openstacklocal', 'A'), forwarding: false, expect: 'answer NOERROR aa ns=SOA' },
    { q: query('example.org', 'A'), forwarding: true, expect: 'forward example.org/A' },
    { q: query('example.org', 'A', { flags: NO_FLAGS }), forwarding: true, expect: 'forward example.org/A' },
    { q: query('nothere', 'A'), forwarding: true, expect: 'forward nothere/A' },
    { q: query('example.org', 'A'), forwarding: false, expect: 'answer REFUSED' },
    { q: query('example.org', 'A', { opcode: 2 }), forwarding: true, expect: 'answer NOTIMP ra' },
    { q: query('example.org', 'A', { questions: [] }), forwarding: false, expect: 'answer FORMERR' },
    {
      q: query('vm1', 'A', {
        questions: [
          { name: 'vm1', type: 'A', class: 'IN' },
          { name: 'vm1', type: 'AAAA', class: 'IN' },
        ],
      }),
      forwarding: false,
      expect: 'answer FORMERR',
    },
    { q: query('vm1', 'A', { isResponse: true }), forwarding: true, expect: 'drop not-a-query' },
    {
      q: query('vm1', 'A', { edns: { udpPayloadSize: 1232, version: 1, dnssecOk: false } }),
      forwarding: false,
      expect: 'answer BADVERS',
    },
    { q: query('version.bind', 'TXT', { klass: 'CH' }), forwarding: true, expect: 'answer REFUSED ra' },
    { q: query('openstacklocal', 'AXFR'), forwarding: true, expect: 'answer REFUSED ra' },
  ];
  for (const row of table) {
    const q = row.q.questions[0];
    it(`${q?.name ?? '(none)'} ${q?.type ?? ''} ${row.forwarding ? 'with' : 'without'} upstreams → ${row.expect}`, () => {
      assert.equal(summary(decide(row.q, zone, { forwarding: row.forwarding })), row.expect);
    });
  }

  it('echoes id, question (as asked), RD and CD; OPT only when asked', () => {
    const edns: Edns = { udpPayloadSize: 4096, version: 0, dnssecOk: true };
    const q = query('Vm1.OpenStackLocal', 'A', {
      flags: { ...NO_FLAGS, recursionDesired: true, checkingDisabled: true },
      edns,
    });
    const decision = decide(q, zone, { forwarding: false });
    assert.equal(decision.kind, 'answer');
    if (decision.kind !== 'answer') return;
    const wire = decodeMessage(encodeWithinLimit(decision.response, 512).bytes);
    assert.equal(wire.id, 0x1234);
    assert.deepEqual(wire.questions, q.questions);
    assert.equal(wire.flags.recursionDesired, true);
    assert.equal(wire.flags.checkingDisabled, true);
    assert.equal(wire.answers[0]?.name, 'Vm1.OpenStackLocal');
    assert.equal(wire.answers[0]?.ttl, 0);
    assert.deepEqual(wire.edns, { udpPayloadSize: 1232, version: 0, dnssecOk: true });
    const plain = decide(query('vm1', 'A'), zone, { forwarding: false });
    assert.equal(
      plain.kind === 'answer' && decodeMessage(encodeWithinLimit(plain.response, 512).bytes).edns,
      undefined,
    );
  });

  it('truncates with TC when the answer does not fit the client limit, whole over TCP', () => {
    const big = new Zone();
    const addresses = Array.from({ length: 100 }, (_, i) => `10.77.1.${i + 1}`);
    big.upsertHost({ id: 'p', addresses, fqdn: 'many.openstacklocal', hostname: 'many' });
    const table: readonly { edns: Edns | undefined; limit: number; tcp: boolean; truncated: boolean }[] = [
      { edns: undefined, limit: 512, tcp: false, truncated: true },
      {
        edns: { udpPayloadSize: 4096, version: 0, dnssecOk: false },
        limit: 1232,
        tcp: false,
        truncated: true,
      },
      { edns: { udpPayloadSize: 100, version: 0, dnssecOk: false }, limit: 512, tcp: false, truncated: true },
      { edns: undefined, limit: 65535, tcp: true, truncated: false },
    ];
    for (const row of table) {
      const q = query('many.openstacklocal', 'A', { edns: row.edns });
      if (!row.tcp) assert.equal(udpResponseLimit(q), row.limit);
      const decision = decide(q, big, { forwarding: false });
      assert.equal(decision.kind, 'answer');
      if (decision.kind !== 'answer') return;
      const encoded = encodeWithinLimit(decision.response, row.limit);
      assert.ok(encoded.bytes.length <= row.limit);
      const wire = decodeMessage(encoded.bytes);
      assert.equal(encoded.truncated, row.truncated);
      assert.equal(wire.flags.truncated, row.truncated);
      assert.equal(wire.answers.length, row.truncated ? 0 : 100);
      assert.equal(wire.rcode, Rcode.NOERROR);
    }
  });
});
