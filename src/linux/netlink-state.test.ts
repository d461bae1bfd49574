import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { readNamespaceLinks, readNamespaceState } from './netlink-state.js';
import { parseLinks, parseRoutes } from './observed-links.js';

const namespace = `nls${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

before(() => {
  ip('netns', 'add', namespace);
  const lines = [
    'link set lo up',
    'link add br0 type bridge',
    'link add d0 mtu 1400 type veth peer name d1',
    'link set d1 master br0',
    'link set d0 address fa:16:3e:01:02:03',
    'addr add 10.9.0.2/24 dev d0',
    'addr add 169.254.169.254/32 dev d0',
    'addr add fd00:1::5/64 dev d0 nodad',
    'link set d0 up',
    'link set br0 up',
    'route add default via 10.9.0.1 dev d0',
    'route add ::/0 via fd00:1::1 dev d0',
    'route add fd00:9::/48 via fd00:1::7',
    'route add fd00:8::1/128 via fd00:1::7',
  ];
  execFileSync('ip', ['-n', namespace, '-batch', '-'], { input: `${lines.join('\n')}\n` });
});
after(() => {
  ip('netns', 'del', namespace);
});

test('netlink reads the same devices, addresses and routes as `ip -j`', () => {
  const viaIp = parseLinks(JSON.parse(ip('-n', namespace, '-j', '-d', 'addr', 'show')) as unknown[]);
  const routesViaIp = parseRoutes(JSON.parse(ip('-n', namespace, '-j', 'route', 'show')) as unknown[]);
  const routes6ViaIp = parseRoutes(JSON.parse(ip('-n', namespace, '-6', '-j', 'route', 'show')) as unknown[]);
  const { links, routes, routes6 } = readNamespaceState(namespace);
  assert.deepEqual(
    [...links.values()].sort((a, b) => a.name.localeCompare(b.name)),
    [...viaIp.values()].sort((a, b) => a.name.localeCompare(b.name)),
  );
  assert.deepEqual(routes, routesViaIp);
  assert.deepEqual(routes6, routes6ViaIp);
  assert.deepEqual(
    routes6.filter((route) => route.gateway !== undefined).map((route) => route.destination),
    ['fd00:8::1', 'fd00:9::/48', 'default'],
    'host routes without /128, a zero-length prefix as default (as `ip` prints them)',
  );
  const d0 = links.get('d0');
  assert.equal(d0?.mac, 'fa:16:3e:01:02:03');
  assert.equal(d0?.mtu, 1400);
  assert.equal(links.get('d1')?.master, 'br0');
  assert.equal(links.get('br0')?.kind, 'bridge');
  assert.ok(d0?.addresses.some((entry) => entry.address === 'fd00:1::5' && entry.prefixLength === 64));
  assert.equal(routes.find((route) => route.destination === 'default')?.gateway, '10.9.0.1');
});

test('a missing namespace is an error with code ENOENT', () => {
  assert.throws(() => readNamespaceState(`${namespace}-missing`), { code: 'ENOENT' });
});

test("the link dump alone reads what `ip -j -d link show` reads (the L2 role's scan), here and in a namespace", () => {
  const sorted = (links: Map<string, unknown>) =>
    [...links.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, link]) => link);
  const viaIp = parseLinks(JSON.parse(ip('-n', namespace, '-j', '-d', 'link', 'show')) as unknown[]);
  assert.deepEqual(sorted(readNamespaceLinks(namespace)), sorted(viaIp));
  assert.equal(readNamespaceLinks(namespace).get('d1')?.master, 'br0');
  // This process's own namespace (the root one for an agent run in it): other programs add devices here
  // meanwhile, so only loopback is compared.
  const loViaIp = parseLinks(JSON.parse(ip('-j', '-d', 'link', 'show', 'dev', 'lo')) as unknown[]).get('lo');
  assert.deepEqual(readNamespaceLinks(undefined).get('lo'), loViaIp);
  assert.throws(() => readNamespaceLinks(`${namespace}-missing`), { code: 'ENOENT' });
});
