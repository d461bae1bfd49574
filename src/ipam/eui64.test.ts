import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isQdhcpError } from '../common/errors.js';
import { formatIp } from './address.js';
import { cidrContains } from './cidr.js';
import { eui64Address, isEui64Address, macOfEui64Address } from './eui64.js';
import { cidr, ip } from './testing/helpers.js';

describe('eui64Address (RFC 4291 appendix A, spec 3.4)', () => {
  const table: [string, string, string][] = [
    // Neutron's unit-test vector and RFC 4291 style examples.
    ['2001:db8::/64', '00:16:3e:33:44:55', '2001:db8::216:3eff:fe33:4455'],
    ['2001:db8::/64', 'fa:16:3e:00:00:01', '2001:db8::f816:3eff:fe00:1'],
    ['fd00:20::/64', 'fa:16:3e:63:2c:da', 'fd00:20::f816:3eff:fe63:2cda'],
    ['2001:db8:1:2::/64', '02:00:00:00:00:00', '2001:db8:1:2:0:ff:fe00:0'],
  ];
  for (const [prefix, mac, expected] of table) {
    test(`${mac} in ${prefix} → ${expected}`, () => {
      assert.equal(formatIp(6, eui64Address(cidr(prefix), mac)), expected);
    });
  }

  test('is inside the /64, flips only the U/L bit, and is recognised as EUI-64 (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const mac = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
        const prefix = cidr('2001:db8:aa:bb::/64');
        const address = eui64Address(prefix, mac);
        assert.ok(cidrContains(prefix, address));
        assert.ok(isEui64Address(6, address));
        const iid = address & ((1n << 64n) - 1n);
        assert.equal(Number(iid >> 56n), bytes[0]! ^ 0x02);
      }),
      { numRuns: 1000 },
    );
  });

  test('typed errors for misuse', () => {
    assert.throws(
      () => eui64Address(cidr('10.0.0.0/24'), 'fa:16:3e:00:00:01'),
      (error: unknown) => isQdhcpError(error, 'IPAM_USAGE'),
    );
    assert.throws(
      () => eui64Address(cidr('2001:db8::/64'), 'nope'),
      (error: unknown) => isQdhcpError(error, 'IPAM_USAGE'),
    );
  });

  test('isEui64Address', () => {
    assert.ok(isEui64Address(6, ip('2001:db8::f816:3eff:fe00:1')));
    assert.ok(!isEui64Address(6, ip('2001:db8::1')));
    assert.ok(!isEui64Address(4, ip('10.0.0.1')));
  });
});

describe('macOfEui64Address (the inverse, how Neutron finds a link-local metadata caller)', () => {
  test('gives back the MAC of every EUI-64 address, in any /64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const mac = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
        for (const prefix of ['fe80::/64', '2001:db8:1:2::/64'])
          assert.equal(macOfEui64Address(eui64Address(cidr(prefix), mac)), mac);
      }),
    );
  });

  test('undefined without ff:fe in the middle', () => {
    assert.equal(macOfEui64Address(ip('fe80::1')), undefined);
    assert.equal(macOfEui64Address(ip('fe80::a9fe:a9fe')), undefined);
  });
});
