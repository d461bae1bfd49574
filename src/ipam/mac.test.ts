import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isQdhcpError } from '../common/errors.js';
import { generateMac, parseMac } from './mac.js';

/** The I/G bit (IEEE 802-2014 §8.2): set on group (multicast) addresses. */
const isMulticastMac = (mac: string): boolean => (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;

import { assertFailure } from './testing/helpers.js';

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

describe('parseMac (spec 1.5)', () => {
  const accepted: [string, string][] = [
    ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:01'],
    ['FA:16:3E:AB:CD:EF', 'fa:16:3e:ab:cd:ef'],
    ['fa-16-3e-ab-cd-ef', 'fa:16:3e:ab:cd:ef'],
    ['fa:16:3e:a:b:c', 'fa:16:3e:0a:0b:0c'],
    ['fa16.3eab.cdef', 'fa:16:3e:ab:cd:ef'],
    ['fa16:3eab:cdef', 'fa:16:3e:ab:cd:ef'],
    ['fa163e:abcdef', 'fa:16:3e:ab:cd:ef'],
    ['fa163eabcdef', 'fa:16:3e:ab:cd:ef'],
    ['01:00:5e:00:00:01', '01:00:5e:00:00:01'], // multicast: Neutron accepts it
  ];
  for (const [text, normalised] of accepted) {
    test(`${text} → ${normalised}`, () => assert.deepEqual(parseMac(text), { ok: true, value: normalised }));
  }
  const refused = [
    'zz:16:3e:00:00:01', // transcript 06
    '00:00:00:00:00:00',
    'ff:ff:ff:ff:ff:ff',
    'FF-FF-FF-FF-FF-FF',
    'fa:16:3e:00:00',
    'fa:16:3e:00:00:01:02',
    'fa:16:3e:000:00:01',
    ' fa:16:3e:00:00:01',
    'fa:16-3e:00:00:01',
    '',
  ];
  for (const text of refused) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assertFailure(parseMac(text), 'HTTPBadRequest', `'${text}' is not a valid MAC address`);
    });
  }
  test('full message with the attribute, as in transcript 06', () => {
    assertFailure(
      parseMac('zz:16:3e:00:00:01', { attribute: 'mac_address' }),
      'HTTPBadRequest',
      "Invalid input for mac_address. Reason: 'zz:16:3e:00:00:01' is not a valid MAC address.",
    );
  });
  test('rejectMulticast refuses group addresses', () => {
    assert.equal(parseMac('01:00:5e:00:00:01', { rejectMulticast: true }).ok, false);
  });
});

describe('generateMac (spec 3.7)', () => {
  test('keeps three octets of a base whose fourth is 00, four otherwise', () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0xa0 + i);
    assert.equal(generateMac('fa:16:3e:00:00:00', bytes), 'fa:16:3e:a0:a1:a2');
    assert.equal(generateMac('fa:16:3e:4f:00:00', bytes), 'fa:16:3e:4f:a0:a1');
    assert.equal(generateMac('FA-16-3E-00-00-00', bytes), 'fa:16:3e:a0:a1:a2');
  });

  test('always keeps the base prefix and is a valid lower-case unicast MAC (fast-check)', () => {
    const unicastBase = fc
      .tuple(fc.integer({ min: 0, max: 127 }), fc.uint8Array({ minLength: 5, maxLength: 5 }))
      .map(([first, rest]) => [first * 2, ...rest].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    fc.assert(
      fc.property(unicastBase, fc.uint8Array({ minLength: 64, maxLength: 64 }), (base, pool) => {
        let offset = 0;
        const bytes = (n: number): Uint8Array => {
          const out = pool.subarray(offset % 60, (offset % 60) + n);
          offset += n;
          return out;
        };
        if (base === '00:00:00:00:00:00') return;
        const mac = generateMac(base, bytes);
        assert.match(mac, MAC);
        const fixed = base.split(':')[3] === '00' ? 3 : 4;
        assert.deepEqual(mac.split(':').slice(0, fixed), base.split(':').slice(0, fixed));
        assert.ok(!isMulticastMac(mac));
        assert.ok(parseMac(mac).ok, `${mac} must be accepted by parseMac`);
      }),
      { numRuns: 3000 },
    );
  });

  test('draws again instead of returning the all-zero MAC', () => {
    const draws = [new Uint8Array(3), Uint8Array.from([0, 0, 1])];
    let i = 0;
    assert.equal(
      generateMac('00:00:00:00:00:01', (n) => draws[i++]!.subarray(0, n)),
      '00:00:00:00:00:01',
    );
    assert.equal(i, 2);
    assert.throws(
      () => generateMac('00:00:00:00:00:01', (n) => new Uint8Array(n)),
      (error: unknown) => isQdhcpError(error, 'IPAM_USAGE'),
    );
  });

  test('refuses a multicast or malformed base MAC (configuration error)', () => {
    assert.throws(
      () => generateMac('01:00:5e:00:00:00', randomBytes),
      (error: unknown) => isQdhcpError(error, 'IPAM_USAGE'),
    );
    assert.throws(
      () => generateMac('not-a-mac', randomBytes),
      (error: unknown) => isQdhcpError(error, 'IPAM_USAGE'),
    );
  });
});
