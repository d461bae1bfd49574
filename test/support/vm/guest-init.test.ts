import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { GUEST_MARK, guestInit, parseGuestConsole } from './guest-init.js';

const CHECKS = {
  whoami: { host: '172.24.92.1', port: 8080 },
  ping: { target: '172.24.92.1', size: 1222, spoofed: '10.92.0.250', spoofedSize: 1111 },
  ipv6: true,
} as const;

test('the plain /init does none of the checks; with checks it asks, pings twice and waits for IPv6', () => {
  const plain = guestInit(['virtio_net']);
  assert.doesNotMatch(plain, /\bnc -w|ping -c|ip -6/);
  const routed = guestInit(['virtio_net'], CHECKS);
  assert.match(routed, /nc -w 5 172\.24\.92\.1 8080 <\/dev\/null/);
  assert.match(routed, /ping -c 3 -W 2 -s 1222 172\.24\.92\.1 /);
  // The spoofed ping comes after the real one (which leaves the gateway's neighbour entry).
  assert.ok(routed.indexOf('-s 1111 -I 10.92.0.250') > routed.indexOf('-s 1222 172.24.92.1'));
  assert.match(routed, /ip addr add 10\.92\.0\.250\/32 dev eth0/);
  assert.match(routed, /while \[ \$i -lt 20 \]/, 'the IPv6 wait is bounded');
  // IPv6 without a gateway: the address wait only, no default-route wait, no ping6.
  assert.doesNotMatch(routed, /ip -6 route show default|ping -c 3 -W 2 -6/);
  // Both scripts parse as shell (syntax only: nothing runs).
  for (const script of [plain, routed]) execFileSync('/bin/sh', ['-n'], { input: script });
});

test('with an IPv6 gateway: after the address, a bounded wait for the default route, then ping6 the gateway', () => {
  const script = guestInit(['virtio_net'], { ...CHECKS, ipv6: { gateway: 'fd00:92::1' } });
  const address = script.indexOf('scope global | grep -v tentative');
  const route = script.indexOf("ip -6 route show default | grep -q '^default'");
  const ping = script.indexOf('ping -c 3 -W 2 -6 fd00:92::1 ');
  const report = script.indexOf('addr6 $line');
  assert.ok(address > 0 && route > address && ping > route && report > ping, script);
  // Both waits are bounded (20 × 1 s each).
  assert.equal(script.match(/while \[ \$i -lt 20 \] && ! ip -6/g)?.length, 2);
  assert.match(script, /ping gateway6 \$\{received:-none\}/);
  execFileSync('/bin/sh', ['-n'], { input: script });
});

test("parseGuestConsole reads the checks' lines", () => {
  const lines = [
    'whoami 172.24.92.93:34580',
    'ping real 3',
    'ping spoofed 0',
    'addr6 2: eth0    inet6 fd00:92::f816:3eff:fe21:d46a/64 scope global dynamic flags 100',
    'route6 fe80::/64 dev eth0  metric 256',
    'ping gateway6 3',
    'route6 default via fe80::f816:3eff:fe0a:1b2c dev eth0  metric 1024  expires 0sec',
    'done up 13.20',
  ];
  const report = parseGuestConsole(
    ['[    1.0] kernel line', ...lines.map((line) => `${GUEST_MARK} ${line}`)].join('\r\n'),
  );
  assert.equal(report.whoami, '172.24.92.93:34580');
  assert.deepEqual(report.pings, { real: '3', spoofed: '0', gateway6: '3' });
  assert.equal(report.addresses6.length, 1);
  assert.match(report.addresses6[0] ?? '', /inet6 fd00:92::f816:3eff:fe21:d46a\/64 scope global/);
  assert.deepEqual(report.routes6, [
    'fe80::/64 dev eth0  metric 256',
    'default via fe80::f816:3eff:fe0a:1b2c dev eth0  metric 1024  expires 0sec',
  ]);
  assert.ok(report.done);
  const none = parseGuestConsole(`${GUEST_MARK} done up 1`);
  assert.equal(none.whoami, undefined);
  assert.deepEqual(none.pings, {});
});
