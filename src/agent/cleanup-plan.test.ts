import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type CleanupScope,
  describeAction,
  groupByOwner,
  type ObservedHostDevice,
  type ObservedNamespace,
  planCleanup,
  qdhcpNetworkId,
  qrouterId,
} from './cleanup-plan.js';

const NET_A = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const NET_B = '2a58e67d-0000-4000-8000-000000000000';
const BR_A = 'brq4b7dfef7-36';
const BR_B = 'brq2a58e67d-00';
const ROUTER_1 = 'c0ffee00-1111-4111-8111-111111111111';
const ROUTER_2 = 'c0ffee00-2222-4222-8222-222222222222';

test('only namespaces under the prefix are ours', () => {
  assert.equal(qdhcpNetworkId(`qdhcp-${NET_A}`, ''), NET_A);
  assert.equal(qdhcpNetworkId(`t1-qdhcp-${NET_A}`, 't1-'), NET_A);
  assert.equal(qdhcpNetworkId(`t1-qdhcp-${NET_A}`, ''), undefined);
  assert.equal(qdhcpNetworkId(`qrouter-${NET_A}`, ''), undefined);
  assert.equal(qdhcpNetworkId('qdhcp-not-a-uuid', ''), undefined);
  assert.equal(qdhcpNetworkId(`a.b-qdhcp-${NET_A}`, 'a.b-'), NET_A);
  assert.equal(qdhcpNetworkId(`axb-qdhcp-${NET_A}`, 'a.b-'), undefined);
});

test('only router namespaces under the prefix with a UUID are routers', () => {
  assert.equal(qrouterId(`qrouter-${ROUTER_1}`, ''), ROUTER_1);
  assert.equal(qrouterId(`p-qrouter-${ROUTER_1}`, 'p-'), ROUTER_1);
  assert.equal(qrouterId(`p-qrouter-${ROUTER_1}`, ''), undefined);
  assert.equal(qrouterId(`qdhcp-${ROUTER_1}`, ''), undefined);
  assert.equal(qrouterId('qrouter-not-a-uuid', ''), undefined);
});

test('stale (only lo) vs all; processes are killed first; never physical NICs', () => {
  const namespaces = [
    { name: `qdhcp-${NET_A}`, devices: ['lo'], pids: [] },
    { name: `qdhcp-${NET_B}`, devices: ['lo', 'ns-12345678-9a'], pids: [4242] },
    { name: 'other', devices: ['lo'], pids: [1] },
  ];
  const host = [
    { name: 'eth1', kind: undefined, master: BR_A },
    { name: 'eth1.42', kind: 'vlan', master: BR_A },
    { name: 'vxlan-77', kind: 'vxlan', master: BR_B },
    { name: BR_A, kind: 'bridge', master: undefined },
    { name: 'docker0', kind: 'bridge', master: undefined },
  ];
  const scope = { namespacePrefix: '', ownsL2: true };
  // Without mappings eth1 is not known to be ours: the bridge that carries it stays.
  assert.deepEqual(planCleanup(namespaces, host, { ...scope, all: false }).map(describeAction), [
    `delete namespace qdhcp-${NET_A}`,
  ]);
  assert.deepEqual(planCleanup(namespaces, host, { ...scope, all: true }).map(describeAction), [
    `delete namespace qdhcp-${NET_A}`,
    `kill process 4242 in namespace qdhcp-${NET_B}`,
    `delete namespace qdhcp-${NET_B}`,
    'delete vlan eth1.42',
    'delete vxlan vxlan-77',
    `delete bridge ${BR_A}`,
  ]);
});

test('grouped by owner for the agent: a namespace with its processes, bridge and uplinks; a bridge alone by its prefix', () => {
  const namespaces = [
    { name: `qdhcp-${NET_A}`, devices: ['lo', 'ns-12345678-9a'], pids: [4242] },
    { name: `qrouter-${ROUTER_1}`, devices: ['lo'], pids: [] },
  ];
  const host = [
    { name: 'vxlan-7', kind: 'vxlan', master: BR_A },
    { name: 'tap12345678-9a', kind: 'veth', master: BR_A },
    { name: BR_A, kind: 'bridge', master: undefined },
    { name: 'vxlan-8', kind: 'vxlan', master: BR_B },
    { name: BR_B, kind: 'bridge', master: undefined },
    { name: 'vxlan-9', kind: 'vxlan', master: undefined },
  ];
  const actions = planCleanup(namespaces, host, { namespacePrefix: '', ownsL2: true, all: true });
  const groups = groupByOwner(actions, host, '').map((group) => ({
    owner: group.owner,
    actions: group.actions.map(describeAction),
  }));
  assert.deepEqual(groups, [
    {
      owner: { networkId: NET_A },
      actions: [
        `kill process 4242 in namespace qdhcp-${NET_A}`,
        `delete namespace qdhcp-${NET_A}`,
        'delete vxlan vxlan-7',
        `delete bridge ${BR_A}`,
      ],
    },
    { owner: undefined, actions: [`delete namespace qrouter-${ROUTER_1}`, 'delete vxlan vxlan-9'] },
    { owner: { networkIdPrefix: BR_B.slice(3) }, actions: ['delete vxlan vxlan-8', `delete bridge ${BR_B}`] },
  ]);
});

interface Case {
  readonly name: string;
  readonly namespaces: readonly ObservedNamespace[];
  readonly host: readonly ObservedHostDevice[];
  readonly scope: Partial<CleanupScope>;
  readonly expected: readonly string[];
}

const dev = (name: string, kind: string | undefined, master?: string): ObservedHostDevice => ({
  name,
  kind,
  master,
});
const nsA = { name: `p-qdhcp-${NET_A}`, devices: ['lo', 'ns-aaaaaaaa-11'], pids: [77] };
const nsB = { name: `p-qdhcp-${NET_B}`, devices: ['lo', 'ns-bbbbbbbb-22'], pids: [] };

/** A router with an interface on network A (`qr-`, tap on BR_A) and its gateway on B (`qg-`, tap on BR_B). */
const r1 = { name: `p-qrouter-${ROUTER_1}`, devices: ['lo', 'qr-11111111-aa', 'qg-11111111-bb'], pids: [] };
const r1Stale = { name: `p-qrouter-${ROUTER_1}`, devices: ['lo'], pids: [] };
const r2 = { name: `p-qrouter-${ROUTER_2}`, devices: ['lo', 'qr-22222222-aa'], pids: [91] };
const routerHost = [
  dev(BR_A, 'bridge'),
  dev('tap11111111-aa', 'veth', BR_A),
  dev('vxlan-100', 'vxlan', BR_A),
  dev(BR_B, 'bridge'),
  dev('tap11111111-bb', 'veth', BR_B),
  dev('tap22222222-aa', 'veth', BR_B),
  dev('vxlan-200', 'vxlan', BR_B),
];

const CASES: readonly Case[] = [
  {
    name: 'routers, netns-cleanup default: a working router stays, so do the bridges its taps are on',
    namespaces: [r1, r2],
    host: routerHost,
    scope: {},
    expected: [],
  },
  {
    name: 'routers, netns-cleanup default: a stale router namespace (only lo) goes; a bridge it freed too',
    namespaces: [r1Stale],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A)],
    scope: {},
    expected: [`delete namespace p-qrouter-${ROUTER_1}`, 'delete vxlan vxlan-100', `delete bridge ${BR_A}`],
  },
  {
    name: 'routers, --all: every router namespace (processes first) and the bridges, router taps or not',
    namespaces: [r1, r2, { name: `other-qrouter-${ROUTER_1}`, devices: ['lo'], pids: [] }],
    host: routerHost,
    scope: { all: true },
    expected: [
      `delete namespace p-qrouter-${ROUTER_1}`,
      `kill process 91 in namespace p-qrouter-${ROUTER_2}`,
      `delete namespace p-qrouter-${ROUTER_2}`,
      'delete vxlan vxlan-100',
      'delete vxlan vxlan-200',
      `delete bridge ${BR_A}`,
      `delete bridge ${BR_B}`,
    ],
  },
  {
    name: 'routers, keepRouters: an unbound router goes with its taps; a bridge a kept router uses stays',
    namespaces: [r1, r2],
    host: routerHost,
    scope: { keep: new Set(), keepRouters: new Set([ROUTER_2]) },
    expected: [`delete namespace p-qrouter-${ROUTER_1}`, 'delete vxlan vxlan-100', `delete bridge ${BR_A}`],
  },
  {
    name: 'routers, agent start (keep without keepRouters): the router reconciler owns them, none touched',
    namespaces: [r1Stale, r2],
    host: routerHost,
    scope: { keep: new Set() },
    expected: [],
  },
  {
    name: 'agent start: a deleted network loses namespace, tap, VXLAN uplink and bridge',
    namespaces: [nsA, nsB],
    host: [
      dev(BR_A, 'bridge'),
      dev('tapaaaaaaaa-11', 'veth', BR_A),
      dev('vxlan-100', 'vxlan', BR_A),
      dev(BR_B, 'bridge'),
      dev('tapbbbbbbbb-22', 'veth', BR_B),
      dev('vxlan-200', 'vxlan', BR_B),
    ],
    scope: { keep: new Set([NET_B]) },
    expected: [
      `kill process 77 in namespace p-qdhcp-${NET_A}`,
      `delete namespace p-qdhcp-${NET_A}`,
      'delete vxlan vxlan-100',
      `delete bridge ${BR_A}`,
    ],
  },
  {
    name: 'kill -9 after the namespace went: the bridge and its uplink are found without one',
    namespaces: [nsB],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A), dev(BR_B, 'bridge')],
    scope: { keep: new Set([NET_B]) },
    expected: ['delete vxlan vxlan-100', `delete bridge ${BR_A}`],
  },
  {
    name: 'a bridge that still carries an instance tap stays, with its uplink',
    namespaces: [],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A), dev('tap0123456-78', 'tun', BR_A)],
    scope: { keep: new Set() },
    expected: [],
  },
  {
    name: 'a mapped NIC on a stale bridge is released (bridge deleted), never deleted; a mapped VLAN too',
    namespaces: [],
    host: [
      dev(BR_A, 'bridge'),
      dev('eth1', undefined, BR_A),
      dev(BR_B, 'bridge'),
      dev('eth0.100', 'vlan', BR_B),
    ],
    scope: { keep: new Set(), mappedInterfaces: new Set(['eth1', 'eth0.100']) },
    expected: [`delete bridge ${BR_A}`, `delete bridge ${BR_B}`],
  },
  {
    name: 'a VLAN uplink goes with its bridge',
    namespaces: [],
    host: [dev(BR_A, 'bridge'), dev('eth1.42', 'vlan', BR_A), dev('eth1', undefined)],
    scope: { keep: new Set(), mappedInterfaces: new Set(['eth1']) },
    expected: ['delete vlan eth1.42', `delete bridge ${BR_A}`],
  },
  {
    name: 'an operator bridge named in the mappings is never touched, even named like ours',
    namespaces: [],
    host: [dev(BR_A, 'bridge'), dev('vxlan-9', 'vxlan', BR_A)],
    scope: { keep: new Set(), mappedInterfaces: new Set([BR_A]) },
    expected: [],
  },
  {
    name: 'bridge_mappings: the operator bridge stays even with all, named like ours, with a DHCP tap going',
    namespaces: [nsA],
    host: [
      dev(BR_A, 'bridge'),
      dev('tapaaaaaaaa-11', 'veth', BR_A),
      dev('vxlan-9', 'vxlan', BR_A),
      dev('br100', 'bridge'),
      dev('tapbbbbbbbb-22', 'veth', 'br100'),
      dev('br100.5', 'vlan'),
    ],
    scope: { keep: new Set(), all: true, mappedBridges: new Set([BR_A, 'br100']) },
    expected: [`kill process 77 in namespace p-qdhcp-${NET_A}`, `delete namespace p-qdhcp-${NET_A}`],
  },
  {
    name: 'loose uplinks of our naming go; ones on a foreign bridge or not of a mapped NIC stay',
    namespaces: [],
    host: [
      dev('vxlan-5', 'vxlan'),
      dev('br-ex', 'bridge'),
      dev('vxlan-6', 'vxlan', 'br-ex'),
      dev('eth1.7', 'vlan'),
      dev('eth9.7', 'vlan'),
      dev('flannel.1', 'vxlan'),
    ],
    scope: { keep: new Set(), mappedInterfaces: new Set(['eth1']) },
    expected: ['delete vlan eth1.7', 'delete vxlan vxlan-5'],
  },
  {
    name: 'kept networks keep their bridge and uplink whatever they carry',
    namespaces: [],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A)],
    scope: { keep: new Set([NET_A]) },
    expected: [],
  },
  {
    name: 'Neutron owns L2: namespaces only',
    namespaces: [nsA],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A), dev('vxlan-5', 'vxlan')],
    scope: { keep: new Set(), ownsL2: false },
    expected: [`kill process 77 in namespace p-qdhcp-${NET_A}`, `delete namespace p-qdhcp-${NET_A}`],
  },
  {
    name: 'netns-cleanup default: a bridge whose namespace serves stays; one with no namespace goes',
    namespaces: [nsB],
    host: [
      dev(BR_A, 'bridge'),
      dev('vxlan-100', 'vxlan', BR_A),
      dev(BR_B, 'bridge'),
      dev('vxlan-200', 'vxlan', BR_B),
    ],
    scope: {},
    expected: ['delete vxlan vxlan-100', `delete bridge ${BR_A}`],
  },
  {
    name: 'netns-cleanup default: a stale namespace goes with its bridge',
    namespaces: [{ name: `p-qdhcp-${NET_A}`, devices: ['lo'], pids: [] }],
    host: [dev(BR_A, 'bridge'), dev('vxlan-100', 'vxlan', BR_A)],
    scope: {},
    expected: [`delete namespace p-qdhcp-${NET_A}`, 'delete vxlan vxlan-100', `delete bridge ${BR_A}`],
  },
];

for (const c of CASES) {
  test(`plan: ${c.name}`, () => {
    const scope: CleanupScope = { namespacePrefix: 'p-', all: false, ownsL2: true, ...c.scope };
    assert.deepEqual(planCleanup(c.namespaces, c.host, scope).map(describeAction), c.expected);
  });
}

test('property: without `all`, never a device of another naming, a mapped one, a kept bridge or a busy one', () => {
  const names = [BR_A, BR_B, 'br-ex', 'vxlan-1', 'vxlan-2', 'eth1', 'eth1.5', 'tapaaaaaaaa-11', 'tapzz', 'x'];
  const kinds = ['bridge', 'vxlan', 'vlan', 'veth', 'tun', undefined];
  const device = fc.record({
    name: fc.constantFrom(...names),
    kind: fc.constantFrom(...kinds),
    master: fc.option(fc.constantFrom(BR_A, BR_B, 'br-ex'), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(device, { selector: (d) => d.name, maxLength: 10 }),
      fc.subarray([NET_A, NET_B]),
      fc.subarray(['eth1', 'br-ex', BR_B]),
      fc.boolean(),
      (host, kept, mapped, withNamespace) => {
        const namespaces = withNamespace ? [nsA] : [];
        const mappedSet = new Set(mapped);
        const scope: CleanupScope = {
          namespacePrefix: 'p-',
          all: false,
          ownsL2: true,
          keep: new Set(kept),
          mappedInterfaces: mappedSet,
        };
        const deleted = planCleanup(namespaces, host, scope).flatMap((action) =>
          action.kind === 'delete-device' ? [action.device] : [],
        );
        const keptBridges = new Set(kept.map((id) => `brq${id.slice(0, 11)}`));
        for (const name of deleted) {
          const observed = host.find((d) => d.name === name);
          assert.ok(observed !== undefined);
          assert.ok(!mappedSet.has(name), `mapped ${name} deleted`);
          assert.match(name, /^(brq[0-9a-f]{8}-[0-9a-f]{2}|vxlan-\d+|eth1\.\d+)$/);
          if (observed.kind === 'bridge') {
            assert.ok(!keptBridges.has(name), `kept bridge ${name} deleted`);
            const foreign = host.filter(
              (d) =>
                d.master === name &&
                !mappedSet.has(d.name) &&
                !(d.kind === 'vxlan' && /^vxlan-\d+$/.test(d.name)) &&
                d.kind !== 'vlan' &&
                !(withNamespace && d.name === 'tapaaaaaaaa-11'),
            );
            assert.deepEqual(foreign, [], `busy bridge ${name} deleted`);
          }
          // An uplink still enslaved goes only with its bridge.
          if (observed.kind !== 'bridge' && observed.master !== undefined)
            assert.ok(deleted.includes(observed.master), `${name} alone`);
        }
      },
    ),
    { seed: 17, numRuns: 500 },
  );
});
