import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressFromReverseName, addressKey, canonicalAddress, isAtOrBelow, nameKey } from './names.js';

describe('dns names', () => {
  it('nameKey lower-cases and drops one trailing dot', () => {
    const table: readonly [string, string][] = [
      ['Host-10-0-0-5.OpenStackLocal.', 'host-10-0-0-5.openstacklocal'],
      ['vm1', 'vm1'],
      ['.', ''],
      ['', ''],
    ];
    for (const [input, expected] of table) assert.equal(nameKey(input), expected, input);
  });

  it('isAtOrBelow matches whole labels only', () => {
    const table: readonly [string, string, boolean][] = [
      ['openstacklocal', 'openstacklocal', true],
      ['a.openstacklocal', 'openstacklocal', true],
      ['aopenstacklocal', 'openstacklocal', false],
      ['openstacklocal', 'a.openstacklocal', false],
      ['anything', '', true],
    ];
    for (const [name, domain, expected] of table)
      assert.equal(isAtOrBelow(name, domain), expected, `${name} ${domain}`);
  });

  it('reverse names map back to address keys (RFC 1035 §3.5, RFC 3596 §2.5)', () => {
    const table: readonly [string, string, string][] = [
      ['10.77.0.5', '5.0.77.10.in-addr.arpa', '10.77.0.5'],
      [
        '2001:db8::5',
        `5.0.0.0${'.0'.repeat(20)}.8.b.d.0.1.0.0.2.ip6.arpa`,
        '2001:0db8:0000:0000:0000:0000:0000:0005',
      ],
      [
        '2001:DB8:0:0:1:2:3:4',
        '4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
        '2001:0db8:0000:0000:0001:0002:0003:0004',
      ],
      ['::', `${'0.'.repeat(32)}ip6.arpa`, '0000:0000:0000:0000:0000:0000:0000:0000'],
      [
        '::ffff:10.0.0.1',
        `1.0.0.0.0.0.a.0.f.f.f.f${'.0'.repeat(20)}.ip6.arpa`,
        '0000:0000:0000:0000:0000:ffff:0a00:0001',
      ],
    ];
    for (const [address, reverse, key] of table) {
      assert.equal(addressFromReverseName(reverse), key, reverse);
      assert.equal(addressKey(address), key, address);
    }
  });

  it('canonicalAddress gives the RFC 5952 form', () => {
    const table: readonly [string, string][] = [
      ['10.77.0.5', '10.77.0.5'],
      ['::0:0:0:0:0:0:1', '::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ];
    for (const [input, expected] of table) assert.equal(canonicalAddress(input), expected, input);
  });

  it('rejects what is not an address or a complete reverse name', () => {
    for (const bad of ['10.0.0', 'host', '10.0.0.256', '::ffff:10.0.0.256'])
      assert.equal(addressKey(bad), undefined, bad);
    for (const bad of [
      '0.10.in-addr.arpa',
      '1.2.3.256.in-addr.arpa',
      '01.2.3.4.in-addr.arpa',
      'x.ip6.arpa',
      'in-addr.arpa',
    ]) {
      assert.equal(addressFromReverseName(bad), undefined, bad);
    }
  });
});
