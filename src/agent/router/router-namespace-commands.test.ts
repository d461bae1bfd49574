import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isQdhcpError } from '../../common/errors.js';
import type { ObservedLink, ObservedRoute } from '../../linux/observed-links.js';
import type { DesiredRouter } from './desired-router.js';
import { type ObservedRouterNamespace, routerNamespaceCommands } from './router-namespace-commands.js';

const QR = 'qr-11111111-aa';
const QG = 'qg-22222222-aa';

const desired = (extra: Partial<DesiredRouter> = {}): DesiredRouter => ({
  routerId: 'r1',
  namespace: 'qrouter-r1',
  ports: [
    {
      role: 'interface',
      portId: 'i',
      device: QR,
      tap: 'tapi',
      bridge: undefined,
      mac: 'fa:16:3e:00:00:01',
      mtu: 1450,
      addresses: ['10.0.0.1/24', '2001:db8:1::1/64'],
    },
    {
      role: 'gateway',
      portId: 'g',
      device: QG,
      tap: 'tapg',
      bridge: undefined,
      mac: 'fa:16:3e:00:00:02',
      mtu: undefined,
      addresses: ['172.24.4.2/24', '172.24.4.10/32'],
    },
  ],
  routes: [
    { family: 4, destination: 'default', via: '172.24.4.1', device: QG, onLink: false },
    { family: 4, destination: '192.168.50.0/24', via: '10.0.0.5', device: undefined, onLink: false },
    { family: 6, destination: 'default', via: '2001:db8::1', device: QG, onLink: false },
  ],
  nat: {
    gatewayDevice: QG,
    snatAddress: '172.24.4.2',
    gatewayAddress: '172.24.4.2',
    internalSubnets: [],
    floatingIps: new Map(),
  },
  ignored: [],
  ...extra,
});

function link(
  name: string,
  mac: string,
  mtu: number,
  addresses: string[],
  up = true,
): [string, ObservedLink] {
  return [
    name,
    {
      name,
      kind: name === 'lo' ? undefined : 'veth',
      master: undefined,
      mtu,
      mac,
      up,
      addresses: addresses.map((text) => {
        const [address = '', prefix = '0'] = text.split('/');
        return {
          family: address.includes(':') ? 6 : 4,
          address,
          prefixLength: Number(prefix),
          scope: address.startsWith('fe80') ? 'link' : 'global',
        };
      }),
    },
  ];
}

/** A namespace where everything of {@link desired} is in place (plus the kernel's link-locals). */
function converged(): ObservedRouterNamespace {
  return {
    links: new Map([
      link('lo', '00:00:00:00:00:00', 65536, ['127.0.0.1/8']),
      link(QR, 'fa:16:3e:00:00:01', 1450, ['10.0.0.1/24', '2001:db8:1::1/64', 'fe80::1/64']),
      link(QG, 'fa:16:3e:00:00:02', 1500, ['172.24.4.2/24', '172.24.4.10/32', 'fe80::2/64']),
    ]),
    routes: [
      { destination: 'default', gateway: '172.24.4.1', device: QG },
      { destination: '10.0.0.0/24', gateway: undefined, device: QR },
      { destination: '192.168.50.0/24', gateway: '10.0.0.5', device: QR },
    ],
    routes6: [{ destination: 'default', gateway: '2001:db8::1', device: QG }],
  };
}

describe('router namespace commands', () => {
  const cases: ReadonlyArray<{
    name: string;
    observed: ObservedRouterNamespace;
    want?: DesiredRouter;
    lines?: string[];
    staleRoutes?: string[];
    routes?: string[];
    announce?: string[];
  }> = [
    { name: 'converged: nothing', observed: converged() },
    {
      name: 'fresh veths: MAC, MTU, up, addresses, routes; gateway addresses announced',
      observed: {
        links: new Map([
          link('lo', '00:00:00:00:00:00', 65536, [], false),
          link(QR, '02:00:00:00:00:01', 1500, [], false),
          link(QG, '02:00:00:00:00:02', 1500, [], false),
        ]),
        routes: [],
        routes6: [],
      },
      lines: [
        'link set lo up',
        `link set ${QR} address fa:16:3e:00:00:01`,
        `link set ${QR} mtu 1450`,
        `link set ${QR} up`,
        `link set ${QG} address fa:16:3e:00:00:02`,
        `link set ${QG} up`,
        `addr add 10.0.0.1/24 dev ${QR}`,
        `addr add 2001:db8:1::1/64 dev ${QR}`,
        `addr add 172.24.4.2/24 dev ${QG}`,
        `addr add 172.24.4.10/32 dev ${QG}`,
      ],
      routes: [
        `route replace default via 172.24.4.1 dev ${QG}`,
        'route replace 192.168.50.0/24 via 10.0.0.5',
        `route replace ::/0 via 2001:db8::1 dev ${QG}`,
      ],
      announce: ['172.24.4.2', '172.24.4.10'],
    },
    {
      name: 'floating IP gone: its /32 only; stale extra route and device removed',
      observed: {
        ...converged(),
        links: new Map([
          ...converged().links,
          link('qr-stale000000', '02:00:00:00:00:09', 1500, ['10.9.0.1/24']),
        ]),
        routes: [
          ...converged().routes,
          { destination: '10.8.0.0/16', gateway: '10.9.0.5', device: 'qr-stale000000' },
        ],
      },
      want: desired({
        ports: desired().ports.map((port) =>
          port.role === 'gateway' ? { ...port, addresses: ['172.24.4.2/24'] } : port,
        ),
      }),
      lines: ['link del qr-stale000000', `addr del 172.24.4.10/32 dev ${QG}`],
      staleRoutes: ['route del 10.8.0.0/16 via 10.9.0.5'],
    },
    {
      name: 'gateway cleared: default routes of both families go',
      observed: converged(),
      want: desired({ routes: desired().routes.filter((route) => route.destination !== 'default') }),
      staleRoutes: ['route del default via 172.24.4.1', 'route del ::/0 via 2001:db8::1'],
    },
    {
      name: 'default route via another gateway: replaced in place (never deleted first)',
      observed: {
        ...converged(),
        routes: [
          { destination: 'default', gateway: '172.24.4.254', device: QG },
          converged().routes[2] as ObservedRoute,
        ],
      },
      routes: [`route replace default via 172.24.4.1 dev ${QG}`],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const commands = routerNamespaceCommands(c.want ?? desired(), c.observed);
      assert.deepEqual(commands.lines, c.lines ?? []);
      assert.deepEqual(commands.staleRoutes, c.staleRoutes ?? []);
      assert.deepEqual(commands.routes, c.routes ?? []);
      assert.deepEqual(commands.announce, c.announce ?? []);
    });
  }

  test('a port device that the host side did not make is an error, not a silent skip', () => {
    const observed = converged();
    const links = new Map(observed.links);
    links.delete(QG);
    assert.throws(
      () => routerNamespaceCommands(desired(), { ...observed, links }),
      (error: unknown) => isQdhcpError(error) && error.code === 'PLUMBING_FAILED',
    );
  });
});
