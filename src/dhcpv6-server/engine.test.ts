/** The DHCPv6 engine, table-driven: per Neutron mode, per message type, and the ways a client is matched. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ClientServerMessage,
  type Dhcpv6Message,
  type Dhcpv6Option,
  type Duid,
  duidLlFromMac,
  findOption,
  findOptions,
  STATUS,
} from '../dhcpv6/index.js';
import { show, v6, v6Text } from '../dhcpv6/testing/values.js';
import type { Ipv6Mode } from '../ipam/index.js';
import { handleDhcpv6 } from './engine.js';
import type { Dhcpv6Lookup } from './host-table.js';
import { CONFIG, PORT, subnet, tables } from './testing/tables.js';
import type { Dhcpv6Decision, Dhcpv6EngineConfig, Dhcpv6Host } from './types.js';

const CLIENT_MAC = [0xfa, 0x16, 0x3e, 0, 0, 6];
const LLT: Duid = {
  kind: 'llt',
  hardwareType: 1,
  time: 0x32a57f51,
  linkLayerAddress: Uint8Array.from(CLIENT_MAC),
};
const EN: Duid = { kind: 'en', enterpriseNumber: 40712, identifier: Uint8Array.from([1, 2, 3]) };
const OURS = duidLlFromMac(CONFIG.serverMac);
const OTHER_SERVER = duidLlFromMac('fa:16:3e:00:00:99');
const ORO: Dhcpv6Option = { type: 'oro', requested: [23, 24] };
const IA: Dhcpv6Option = { type: 'ia-na', iaid: 7, t1: 0, t2: 0, options: [] };

function iaWith(...addresses: string[]): Dhcpv6Option {
  return {
    type: 'ia-na',
    iaid: 7,
    t1: 0,
    t2: 0,
    options: addresses.map((a) => ({
      type: 'ia-addr',
      address: v6(a),
      preferredLifetime: 0,
      validLifetime: 0,
      options: [],
    })),
  };
}

function message(
  type: ClientServerMessage['type'],
  options: Dhcpv6Option[],
  duid: Duid = LLT,
): ClientServerMessage {
  return {
    kind: 'client-server',
    type,
    transactionId: 0xabcdef,
    options: [{ type: 'client-id', duid }, ...options],
  };
}

function decide(
  request: Dhcpv6Message,
  t: Dhcpv6Lookup = tables([subnet('dhcpv6-stateful')]),
  config: Dhcpv6EngineConfig = CONFIG,
  linkLayerAddress?: string,
): Dhcpv6Decision {
  return handleDhcpv6({ message: request, linkLayerAddress }, config, t);
}

function answer(decision: Dhcpv6Decision): ClientServerMessage {
  assert.equal(decision.kind, 'reply', show(decision));
  return (decision as Extract<Dhcpv6Decision, { kind: 'reply' }>).answer;
}

function dropReason(decision: Dhcpv6Decision): string {
  return decision.kind === 'drop' ? decision.reason : `reply ${decision.replyType}`;
}

function iaAddresses(m: ClientServerMessage): string[] {
  return findOptions(m.options, 'ia-na').flatMap((ia) =>
    findOptions(ia.options, 'ia-addr').map(
      (a) => `${v6Text(a.address)} ${a.preferredLifetime}/${a.validLifetime}`,
    ),
  );
}

describe('per Neutron mode: what Solicit and Information-Request get', () => {
  const cases: readonly [address: Ipv6Mode | null, ra: Ipv6Mode | null, solicit: string, info: string][] = [
    ['dhcpv6-stateful', 'dhcpv6-stateful', 'reply ADVERTISE', 'reply REPLY'],
    ['dhcpv6-stateful', null, 'reply ADVERTISE', 'reply REPLY'],
    [null, null, 'reply ADVERTISE', 'reply REPLY'],
    ['dhcpv6-stateless', 'dhcpv6-stateless', 'no-subnet', 'reply REPLY'],
    ['dhcpv6-stateless', null, 'no-subnet', 'reply REPLY'],
    ['slaac', 'slaac', 'no-subnet', 'no-subnet'],
    [null, 'slaac', 'no-subnet', 'no-subnet'],
    [null, 'dhcpv6-stateful', 'no-subnet', 'no-subnet'],
    // Combinations Neutron's API refuses (both set, different): never served.
    ['dhcpv6-stateful', 'slaac', 'no-subnet', 'no-subnet'],
    ['dhcpv6-stateless', 'dhcpv6-stateful', 'no-subnet', 'no-subnet'],
    ['slaac', 'dhcpv6-stateless', 'no-subnet', 'no-subnet'],
  ];
  for (const [address, ra, solicit, info] of cases) {
    it(`address ${address ?? '-'} / ra ${ra ?? '-'}: Solicit → ${solicit}, Information-Request → ${info}`, () => {
      const t = tables([subnet(address, ra)]);
      assert.equal(dropReason(decide(message('SOLICIT', [ORO, IA]), t)), solicit);
      assert.equal(dropReason(decide(message('INFORMATION-REQUEST', [ORO]), t)), info);
    });
  }

  it('stateless: the Information-Request answer has DNS (the DHCP port), domain and refresh time, any client', () => {
    const m = answer(
      decide(message('INFORMATION-REQUEST', [ORO], EN), tables([subnet('dhcpv6-stateless')], [])),
    );
    assert.deepEqual(
      m.options.map((o) => o.type),
      ['client-id', 'server-id', 'domain-search', 'dns-server', 'information-refresh-time'],
    );
    assert.deepEqual(findOption(m.options, 'dns-server')?.servers, [v6('2001:db8:77::1')]);
    assert.deepEqual(findOption(m.options, 'domain-search')?.domains, ['openstacklocal']);
    assert.equal(findOption(m.options, 'information-refresh-time')?.seconds, 86400);
  });

  it("a refused subnet's drop says why", () => {
    const d = decide(message('SOLICIT', [IA]), tables([subnet('dhcpv6-stateful', 'slaac')]));
    assert.match(d.kind === 'drop' ? d.detail : '', /refused by Neutron/);
  });
});

describe('stateful exchanges', () => {
  it('Solicit → Advertise with the fixed address; with Rapid Commit (when enabled) → Reply', () => {
    const advertise = answer(decide(message('SOLICIT', [ORO, IA, { type: 'rapid-commit' }])));
    assert.equal(advertise.type, 'ADVERTISE');
    assert.deepEqual(iaAddresses(advertise), ['2001:db8:77::6 86400/86400']);
    const rapid = answer(
      decide(message('SOLICIT', [ORO, IA, { type: 'rapid-commit' }]), undefined, {
        ...CONFIG,
        rapidCommit: true,
      }),
    );
    assert.equal(rapid.type, 'REPLY');
    assert.ok(findOption(rapid.options, 'rapid-commit'));
    assert.equal(findOption(rapid.options, 'preference'), undefined);
    const plain = answer(decide(message('SOLICIT', [IA]), undefined, { ...CONFIG, rapidCommit: true }));
    assert.equal(plain.type, 'ADVERTISE', 'no Rapid Commit option from the client: Advertise');
  });

  it('Request, Renew and Rebind get the address; another address named by the client gets lifetimes 0', () => {
    const server: Dhcpv6Option = { type: 'server-id', duid: OURS };
    for (const [type, extra] of [
      ['REQUEST', [server]],
      ['RENEW', [server]],
      ['REBIND', []],
    ] as const) {
      const m = answer(decide(message(type, [...extra, iaWith('2001:db8:77::6', '2001:db8:77::99')])));
      assert.equal(m.type, 'REPLY');
      assert.deepEqual(iaAddresses(m), ['2001:db8:77::6 86400/86400', '2001:db8:77::99 0/0'], type);
    }
  });

  it('more IAs than addresses: the second IA_NA, any IA_TA and IA_PD get a status', () => {
    const m = answer(
      decide(
        message('SOLICIT', [
          IA,
          { type: 'ia-na', iaid: 8, t1: 0, t2: 0, options: [] },
          { type: 'ia-ta', iaid: 9, options: [] },
          { type: 'ia-pd', iaid: 10, t1: 0, t2: 0, options: [] },
        ]),
      ),
    );
    const statuses = m.options
      .filter((o) => o.type === 'ia-na' || o.type === 'ia-ta' || o.type === 'ia-pd')
      .map((o) => `${o.type} ${findOption(o.options, 'status-code')?.status ?? 'addresses'}`);
    assert.deepEqual(statuses, [
      'ia-na addresses',
      `ia-na ${STATUS.NoAddrsAvail}`,
      `ia-ta ${STATUS.NoAddrsAvail}`,
      `ia-pd ${STATUS.NoPrefixAvail}`,
    ]);
  });

  it('Confirm: on link → Success, off link → NotOnLink, no address → no answer', () => {
    const on = answer(decide(message('CONFIRM', [iaWith('2001:db8:77::6')])));
    assert.deepEqual(findOption(on.options, 'status-code'), {
      type: 'status-code',
      status: STATUS.Success,
      message: 'all addresses still on link',
    });
    const off = answer(decide(message('CONFIRM', [iaWith('2001:db8:99::6')])));
    assert.equal(findOption(off.options, 'status-code')?.status, STATUS.NotOnLink);
    assert.equal(dropReason(decide(message('CONFIRM', [IA]))), 'nothing-to-confirm');
  });

  it('Release and Decline are acknowledged with Success (the address stays the port’s: static)', () => {
    const server: Dhcpv6Option = { type: 'server-id', duid: OURS };
    for (const [type, text] of [
      ['RELEASE', 'release received'],
      ['DECLINE', 'decline received'],
    ] as const) {
      const m = answer(decide(message(type, [server, iaWith('2001:db8:77::6')])));
      assert.deepEqual(findOption(m.options, 'status-code'), {
        type: 'status-code',
        status: 0,
        message: text,
      });
    }
  });

  it('infinite lease (dhcp_lease_duration -1): lifetimes and T1/T2 are infinity', () => {
    const m = answer(decide(message('SOLICIT', [IA]), undefined, { ...CONFIG, leaseSeconds: -1 }));
    const ia = findOption(m.options, 'ia-na');
    assert.deepEqual([ia?.t1, ia?.t2], [0xffffffff, 0xffffffff]);
    assert.deepEqual(iaAddresses(m), ['2001:db8:77::6 4294967295/4294967295']);
  });

  it('a port on two stateful subnets gets both addresses in one IA_NA', () => {
    const second = subnet('dhcpv6-stateful', null, {
      id: 'subnet-78',
      cidr: '2001:db8:78::/64',
      dhcpPortAddress: '2001:db8:78::1',
    });
    const port: Dhcpv6Host = {
      ...PORT,
      addresses: [...PORT.addresses, { subnetId: 'subnet-78', address: '2001:db8:78::6' }],
    };
    const m = answer(
      decide(message('SOLICIT', [ORO, IA]), tables([subnet('dhcpv6-stateful'), second], [port])),
    );
    assert.deepEqual(iaAddresses(m), ['2001:db8:77::6 86400/86400', '2001:db8:78::6 86400/86400']);
    assert.deepEqual(findOption(m.options, 'dns-server')?.servers, [
      v6('2001:db8:77::1'),
      v6('2001:db8:78::1'),
    ]);
  });
});

describe('validation drops (RFC 8415 §16)', () => {
  const cases: readonly [string, ClientServerMessage, string][] = [
    [
      'Solicit with a server id',
      message('SOLICIT', [{ type: 'server-id', duid: OURS }, IA]),
      'unexpected-server-id',
    ],
    [
      'Rebind with a server id',
      message('REBIND', [{ type: 'server-id', duid: OURS }, IA]),
      'unexpected-server-id',
    ],
    ['Request without a server id', message('REQUEST', [IA]), 'no-server-id'],
    [
      'Request for another server',
      message('REQUEST', [{ type: 'server-id', duid: OTHER_SERVER }, IA]),
      'not-for-us',
    ],
    [
      'Renew for another server',
      message('RENEW', [{ type: 'server-id', duid: OTHER_SERVER }, IA]),
      'not-for-us',
    ],
    [
      'Information-Request for another server',
      message('INFORMATION-REQUEST', [{ type: 'server-id', duid: OTHER_SERVER }]),
      'not-for-us',
    ],
    ['Information-Request with an IA', message('INFORMATION-REQUEST', [IA]), 'ia-in-information-request'],
    [
      'Solicit without a client id',
      { kind: 'client-server', type: 'SOLICIT', transactionId: 1, options: [IA] },
      'no-client-id',
    ],
    ['an Advertise', message('ADVERTISE', []), 'not-a-client-message'],
    ['a Reconfigure', message('RECONFIGURE', []), 'not-a-client-message'],
  ];
  for (const [name, request, reason] of cases) {
    it(`${name} → ${reason}`, () => assert.equal(dropReason(decide(request)), reason));
  }

  it('a Relay-repl, or a relay without a relayed message, is dropped', () => {
    const relay = { kind: 'relay', hopCount: 0, linkAddress: 0n, peerAddress: 0n } as const;
    assert.equal(dropReason(decide({ ...relay, type: 'RELAY-REPL', options: [] })), 'relay-without-message');
    assert.equal(dropReason(decide({ ...relay, type: 'RELAY-FORW', options: [] })), 'relay-without-message');
  });

  it("a relay's link-address selects the subnet: outside every subnet → no-subnet", () => {
    const relayed: Dhcpv6Message = {
      kind: 'relay',
      type: 'RELAY-FORW',
      hopCount: 0,
      linkAddress: v6('2001:db8:99::1'),
      peerAddress: v6('fe80::1'),
      options: [{ type: 'relay-message', message: message('SOLICIT', [IA]) }],
    };
    assert.equal(dropReason(decide(relayed)), 'no-subnet');
  });
});

describe('matching the client to its port', () => {
  it('unknown MAC → no answer, with the MAC in the detail', () => {
    const d = decide(message('SOLICIT', [IA]), tables([subnet('dhcpv6-stateful')], []));
    assert.equal(dropReason(d), 'unknown-client');
    assert.match(d.kind === 'drop' ? d.detail : '', /no port has MAC fa:16:3e:00:00:06/);
  });

  it('a port without an address on the stateful subnet → no-address', () => {
    const port: Dhcpv6Host = { ...PORT, addresses: [{ subnetId: 'elsewhere', address: '2001:db8:99::6' }] };
    assert.equal(
      dropReason(decide(message('SOLICIT', [IA]), tables([subnet('dhcpv6-stateful')], [port]))),
      'no-address',
    );
  });

  it('DUID-EN carries no MAC: unmatched alone, matched by the link-layer address the receiver saw', () => {
    const solicit = message('SOLICIT', [IA], EN);
    const d = decide(solicit);
    assert.equal(dropReason(d), 'unknown-client');
    assert.match(d.kind === 'drop' ? d.detail : '', /no MAC in the DUID/);
    const matched = decide(solicit, undefined, CONFIG, 'FA:16:3E:00:00:06');
    assert.equal(matched.kind === 'reply' ? matched.macSource : undefined, 'link-layer');
  });

  it("the receiver's link-layer address wins over the DUID's MAC (a DUID-LLT may name another NIC)", () => {
    const other: Dhcpv6Host = {
      ...PORT,
      portId: 'port-7',
      mac: 'fa:16:3e:00:00:07',
      addresses: [{ subnetId: 'subnet-77', address: '2001:db8:77::7' }],
    };
    const d = decide(
      message('SOLICIT', [IA]),
      tables([subnet('dhcpv6-stateful')], [PORT, other]),
      CONFIG,
      'fa:16:3e:00:00:07',
    );
    assert.equal(d.kind === 'reply' ? d.host?.portId : undefined, 'port-7');
  });

  it('a host with a client DUID (dnsmasq id:) is matched by it before any MAC', () => {
    const byDuid: Dhcpv6Host = {
      ...PORT,
      portId: 'port-en',
      mac: 'fa:16:3e:00:00:42',
      clientDuid: '000200009f08010203',
    };
    const d = decide(message('SOLICIT', [IA], EN), tables([subnet('dhcpv6-stateful')], [byDuid]));
    assert.equal(d.kind === 'reply' ? d.host?.portId : d.reason, 'port-en');
  });
});

describe('DNS and domain: subnet, port extra_dhcp_opts (ip_version 6), ORO', () => {
  it("the subnet's dns_nameservers replace the DHCP port's address", () => {
    const t = tables([subnet('dhcpv6-stateless', null, { dnsNameservers: ['2001:4860:4860::8888'] })], []);
    const m = answer(decide(message('INFORMATION-REQUEST', [ORO]), t));
    assert.deepEqual(findOption(m.options, 'dns-server')?.servers, [v6('2001:4860:4860::8888')]);
  });

  it("a port's dns-server and domain-search win; options qdhcp does not serve are reported, not fatal", () => {
    const port: Dhcpv6Host = {
      ...PORT,
      extraOptions: [
        { name: 'dns-server', value: '[2001:db8::53],2001:db8::54' },
        { name: 'option6:domain-search', value: 'example.org,lab.example.org' },
        { name: 'bootfile-url', value: 'tftp://x' },
        { name: '23', value: '[2001:db8::53],banana' },
      ],
    };
    const d = decide(message('SOLICIT', [ORO, IA]), tables([subnet('dhcpv6-stateful')], [port]));
    const m = answer(d);
    assert.deepEqual(findOption(m.options, 'dns-server')?.servers, [v6('2001:db8::53')]);
    assert.deepEqual(findOption(m.options, 'domain-search')?.domains, ['example.org', 'lab.example.org']);
    assert.deepEqual(d.kind === 'reply' ? d.ignored.length : -1, 2);
  });

  it('without an ORO asking for them, no DNS and no domain are sent', () => {
    const m = answer(decide(message('SOLICIT', [IA])));
    assert.equal(findOption(m.options, 'dns-server'), undefined);
    assert.equal(findOption(m.options, 'domain-search'), undefined);
  });
});
