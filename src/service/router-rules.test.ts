import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QdhcpError } from '../common/errors.js';
import { checkInterfaceNotInUse, checkNewInterfaceSubnets, checkRoutes } from './router-rules.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof QdhcpError ? error.code : 'uncoded';
  }
  return undefined;
}

test('checkRoutes: next hops inside a connected subnet pass, canonicalised', () => {
  const routes = checkRoutes(
    [{ destination: '2001:db8:1::/64', nexthop: '2001:db8::0:5' }],
    ['2001:db8::/64'],
    [],
  );
  assert.deepEqual(routes, [{ destination: '2001:db8:1::/64', nexthop: '2001:db8::5' }]);
});

test('checkRoutes: Neutron reasons for an unconnected next hop and for the router’s own address', () => {
  const cases = [
    {
      nexthop: '10.0.1.5',
      connected: ['10.0.0.0/24'],
      own: [],
      reason: 'the nexthop is not connected with router',
    },
    {
      nexthop: '10.0.0.1',
      connected: ['10.0.0.0/24'],
      own: ['10.0.0.1'],
      reason: 'the nexthop is used by router',
    },
    {
      nexthop: '10.0.0.9',
      connected: ['2001:db8::/64'],
      own: [],
      reason: 'the nexthop is not connected with router',
    },
  ];
  for (const c of cases) {
    const routes = [{ destination: '0.0.0.0/0', nexthop: c.nexthop }];
    assert.throws(
      () => checkRoutes(routes, c.connected, c.own),
      (error: unknown) =>
        error instanceof QdhcpError &&
        error.code === 'INVALID_ROUTES' &&
        error.message ===
          `Invalid format for routes: [{'destination': '0.0.0.0/0', 'nexthop': '${c.nexthop}'}], ${c.reason}`,
      c.nexthop,
    );
  }
});

test('checkNewInterfaceSubnets: the same subnet twice and overlapping CIDRs are refused; disjoint ones pass', () => {
  const interfaces = [{ id: 'a', cidr: '10.1.0.0/16' }];
  assert.equal(
    codeOf(() => checkNewInterfaceSubnets(['a'], interfaces, [{ id: 'a', cidr: '10.1.0.0/16' }])),
    'BAD_RESOURCE_REQUEST',
  );
  assert.equal(
    codeOf(() => checkNewInterfaceSubnets(['a'], interfaces, [{ id: 'b', cidr: '10.1.2.0/24' }])),
    'BAD_RESOURCE_REQUEST',
  );
  assert.equal(
    codeOf(() => checkNewInterfaceSubnets(['a'], interfaces, [{ id: 'c', cidr: '10.2.0.0/24' }])),
    undefined,
  );
  // The gateway's subnets count as "on the router" but not for overlap.
  assert.equal(
    codeOf(() => checkNewInterfaceSubnets(['a', 'g'], interfaces, [{ id: 'g2', cidr: '172.16.0.0/24' }])),
    undefined,
  );
});

test('checkInterfaceNotInUse: floating IPs are checked before routes, as Neutron does', () => {
  const subnet = { id: 's', cidr: '10.3.0.0/24' };
  const routes = [{ destination: '0.0.0.0/0', nexthop: '10.3.0.9' }];
  assert.equal(
    codeOf(() => checkInterfaceNotInUse('r', subnet, routes, ['10.3.0.5'])),
    'ROUTER_INTERFACE_IN_USE_BY_FLOATING_IP',
  );
  assert.equal(
    codeOf(() => checkInterfaceNotInUse('r', subnet, routes, ['10.4.0.5'])),
    'ROUTER_INTERFACE_IN_USE_BY_ROUTE',
  );
  assert.equal(
    codeOf(() => checkInterfaceNotInUse('r', subnet, [], ['10.4.0.5'])),
    undefined,
  );
});
