import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIpv4, maskToPrefix, parseIpv4, prefixToMask } from './ipv4.js';

test('dotted quads parse strictly', () => {
  assert.equal(parseIpv4('10.0.0.1'), 0x0a000001);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '0001.2.3.4',
    '+1.2.3.4',
  ])
    assert.equal(parseIpv4(bad), undefined, bad);
});

test('format and parse round-trip every address (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => parseIpv4(formatIpv4(value)) === value),
  );
});

test('netmasks and prefix lengths', () => {
  assert.equal(formatIpv4(prefixToMask(24)), '255.255.255.0');
  assert.equal(prefixToMask(0), 0);
  assert.equal(prefixToMask(32), 0xffffffff);
  for (let length = 0; length <= 32; length++) assert.equal(maskToPrefix(prefixToMask(length)), length);
  assert.equal(maskToPrefix(parseIpv4('255.0.255.0')!), undefined);
});
