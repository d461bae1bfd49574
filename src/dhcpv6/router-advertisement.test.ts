import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dhcpv6EncodeError } from './errors.js';
import { encodeRouterAdvertisement } from './router-advertisement.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('a slaac advertisement: no default router, prefix with L and A, MTU, RDNSS, source MAC', () => {
  const bytes = encodeRouterAdvertisement({
    managed: false,
    other: false,
    routerLifetimeSeconds: 0,
    prefixes: [
      {
        prefix: 0xfd000063n << 96n,
        length: 64,
        autonomous: true,
        validSeconds: 86400,
        preferredSeconds: 14400,
      },
    ],
    mtu: 1450,
    dnsServers: [(0xfd000063n << 96n) | 2n],
    dnsLifetimeSeconds: 180,
    sourceMac: Uint8Array.from([0xfa, 0x16, 0x3e, 0, 0, 1]),
  });
  assert.equal(
    hex(bytes),
    [
      '86000000' + '40000000' + '00000000' + '00000000', // type 134, hop limit 64, flags 0, lifetime 0
      '0101fa163e000001', // source link-layer address
      '0304' + '40c0' + '00015180' + '00003840' + '00000000' + 'fd000063000000000000000000000000',
      '0501' + '0000' + '000005aa',
      '1903' + '0000' + '000000b4' + 'fd000063000000000000000000000002',
    ].join(''),
  );
});

test('M and O flags; a stateful prefix is on-link only', () => {
  const bytes = encodeRouterAdvertisement({
    managed: true,
    other: true,
    routerLifetimeSeconds: 0,
    prefixes: [{ prefix: 1n << 127n, length: 64, autonomous: false, validSeconds: 1, preferredSeconds: 1 }],
    dnsServers: [],
    dnsLifetimeSeconds: 0,
  });
  assert.equal(bytes[5], 0xc0);
  assert.equal(bytes.length, 16 + 32);
  assert.equal(bytes[16 + 3], 0x80);
});

test('bad input is refused, not encoded', () => {
  const base = {
    managed: false,
    other: false,
    routerLifetimeSeconds: 0,
    dnsServers: [],
    dnsLifetimeSeconds: 0,
  };
  assert.throws(
    () => encodeRouterAdvertisement({ ...base, prefixes: [], sourceMac: new Uint8Array(5) }),
    Dhcpv6EncodeError,
  );
  assert.throws(
    () =>
      encodeRouterAdvertisement({
        ...base,
        prefixes: [{ prefix: 0n, length: 129, autonomous: true, validSeconds: 0, preferredSeconds: 0 }],
      }),
    Dhcpv6EncodeError,
  );
});
