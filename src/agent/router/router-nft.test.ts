import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNftTable } from '../../linux/observed-nft.js';
import type { DesiredNat } from './desired-router.js';
import { convergedNftTable, routerNftPlan } from './router-nft.js';

const T = 'ip qrouter';
const HAIRPIN = 'iifname != "qg-aaaaaaaaaaa" oifname != "qg-aaaaaaaaaaa" ct status dnat counter';

const nat = (extra: Partial<DesiredNat> = {}): DesiredNat => ({
  gatewayDevice: 'qg-aaaaaaaaaaa',
  snatAddress: '172.24.4.2',
  gatewayAddress: '172.24.4.2',
  internalSubnets: ['10.0.0.0/24'],
  floatingIps: new Map([['172.24.4.10', '10.0.0.5']]),
  ...extra,
});

const converged = convergedNftTable;

describe('router nft plan', () => {
  test('no table: one transaction creates table, sets, maps, chains, elements and rules', () => {
    const plan = routerNftPlan(nat(), undefined);
    assert.deepEqual(plan.lines, [
      `add table ${T}`,
      `add set ${T} internal { type ipv4_addr; flags interval; }`,
      `add map ${T} fip_dnat { type ipv4_addr : ipv4_addr; }`,
      `add map ${T} fip_snat { type ipv4_addr : ipv4_addr; }`,
      `add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
      `add chain ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
      `add element ${T} internal { 10.0.0.0/24 }`,
      `add element ${T} fip_dnat { 172.24.4.10 : 10.0.0.5 }`,
      `add element ${T} fip_snat { 10.0.0.5 : 172.24.4.10 }`,
      `add rule ${T} prerouting iifname "qr-*" ip daddr 169.254.169.254 tcp dport 80 counter redirect to :9697 comment "qdhcp-v1 metadata 169.254.169.254:80 to :9697"`,
      `add rule ${T} prerouting counter dnat to ip daddr map @fip_dnat comment "qdhcp-v1 floating-ip dnat"`,
      `add rule ${T} postrouting oifname "qg-aaaaaaaaaaa" counter snat to ip saddr map @fip_snat comment "qdhcp-v1 floating-ip snat out qg-aaaaaaaaaaa"`,
      `add rule ${T} postrouting oifname "qg-aaaaaaaaaaa" ip saddr @internal counter snat to 172.24.4.2 comment "qdhcp-v1 snat out qg-aaaaaaaaaaa to 172.24.4.2"`,
      `add rule ${T} postrouting ${HAIRPIN} snat to ip saddr map @fip_snat comment "qdhcp-v1 hairpin floating-ip snat except qg-aaaaaaaaaaa"`,
      `add rule ${T} postrouting ${HAIRPIN} snat to 172.24.4.2 comment "qdhcp-v1 hairpin snat except qg-aaaaaaaaaaa to 172.24.4.2"`,
    ]);
    assert.deepEqual(plan.releasedFloatingIps, []);
  });

  const cases: ReadonlyArray<{
    name: string;
    from: DesiredNat;
    to: DesiredNat;
    lines: string[];
    released?: string[];
  }> = [
    { name: 'converged: nothing at all', from: nat(), to: nat(), lines: [] },
    {
      name: 'associate: two elements, no rule touched',
      from: nat({ floatingIps: new Map() }),
      to: nat(),
      lines: [
        `add element ${T} fip_dnat { 172.24.4.10 : 10.0.0.5 }`,
        `add element ${T} fip_snat { 10.0.0.5 : 172.24.4.10 }`,
      ],
    },
    {
      name: 'disassociate: both elements go in one transaction, conntrack of the floating IP released',
      from: nat(),
      to: nat({ floatingIps: new Map() }),
      lines: [`delete element ${T} fip_dnat { 172.24.4.10 }`, `delete element ${T} fip_snat { 10.0.0.5 }`],
      released: ['172.24.4.10'],
    },
    {
      name: 'floating IP moved to another fixed IP: replaced, the old path released',
      from: nat(),
      to: nat({ floatingIps: new Map([['172.24.4.10', '10.0.0.6']]) }),
      lines: [
        `delete element ${T} fip_dnat { 172.24.4.10 }`,
        `delete element ${T} fip_snat { 10.0.0.5 }`,
        `add element ${T} fip_dnat { 172.24.4.10 : 10.0.0.6 }`,
        `add element ${T} fip_snat { 10.0.0.6 : 172.24.4.10 }`,
      ],
      released: ['172.24.4.10'],
    },
    {
      name: 'interface added: one set element',
      from: nat(),
      to: nat({ internalSubnets: ['10.0.0.0/24', '10.1.0.0/24'] }),
      lines: [`add element ${T} internal { 10.1.0.0/24 }`],
    },
    {
      name: 'interface removed: one set element',
      from: nat({ internalSubnets: ['10.0.0.0/24', '10.1.0.0/24'] }),
      to: nat(),
      lines: [`delete element ${T} internal { 10.1.0.0/24 }`],
    },
    {
      name: 'SNAT disabled: the postrouting chain alone is refilled, hairpin still to the gateway address',
      from: nat(),
      to: nat({ snatAddress: undefined }),
      lines: [
        `flush chain ${T} postrouting`,
        `add rule ${T} postrouting oifname "qg-aaaaaaaaaaa" counter snat to ip saddr map @fip_snat comment "qdhcp-v1 floating-ip snat out qg-aaaaaaaaaaa"`,
        `add rule ${T} postrouting ${HAIRPIN} snat to ip saddr map @fip_snat comment "qdhcp-v1 hairpin floating-ip snat except qg-aaaaaaaaaaa"`,
        `add rule ${T} postrouting ${HAIRPIN} snat to 172.24.4.2 comment "qdhcp-v1 hairpin snat except qg-aaaaaaaaaaa to 172.24.4.2"`,
      ],
    },
    {
      name: 'gateway cleared: no postrouting rule, floating IPs gone',
      from: nat(),
      to: nat({
        gatewayDevice: undefined,
        snatAddress: undefined,
        gatewayAddress: undefined,
        floatingIps: new Map(),
      }),
      lines: [
        `delete element ${T} fip_dnat { 172.24.4.10 }`,
        `delete element ${T} fip_snat { 10.0.0.5 }`,
        `flush chain ${T} postrouting`,
      ],
      released: ['172.24.4.10'],
    },
  ];
  for (const { name, from, to, lines, released } of cases) {
    test(name, () => {
      const plan = routerNftPlan(to, converged(from));
      assert.deepEqual(plan.lines, lines);
      assert.deepEqual(plan.releasedFloatingIps, released ?? []);
    });
  }

  test('a host route prints without /32 and still compares equal', () => {
    const observed = converged(nat({ internalSubnets: ['10.9.9.9'] }));
    assert.deepEqual(routerNftPlan(nat({ internalSubnets: ['10.9.9.9/32'] }), observed).lines, []);
  });
});

describe('nft -j list table parsing', () => {
  test('handles, rule comments in order, set prefixes and map pairs', () => {
    const table = parseNftTable([
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'ip', name: 'qrouter', handle: 7 } },
      { set: { name: 'internal', elem: [{ prefix: { addr: '10.0.0.0', len: 24 } }, '10.9.9.9'] } },
      { map: { name: 'fip_dnat', map: 'ipv4_addr', elem: [['172.24.4.10', '10.0.0.5']] } },
      { map: { name: 'fip_snat', map: 'ipv4_addr' } },
      { chain: { name: 'prerouting', handle: 1 } },
      { rule: { chain: 'prerouting', handle: 6, comment: 'a' } },
      { rule: { chain: 'prerouting', handle: 9 } },
      { set: { name: 'odd', elem: { elem: { val: '10.1.1.1', timeout: 3 } } } },
    ]);
    assert.equal(table.handle, 7);
    assert.deepEqual(table.chains.get('prerouting'), {
      handle: 1,
      ruleComments: ['a', ''],
      ruleHandles: [6, 9],
    });
    assert.deepEqual(table.sets.get('internal'), ['10.0.0.0/24', '10.9.9.9']);
    assert.deepEqual([...(table.maps.get('fip_dnat') ?? [])], [['172.24.4.10', '10.0.0.5']]);
    assert.deepEqual([...(table.maps.get('fip_snat') ?? [])], []);
    assert.deepEqual(table.sets.get('odd'), ['10.1.1.1']);
  });
});
