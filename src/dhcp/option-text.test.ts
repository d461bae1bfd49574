/**
 * parseOptionText: option values as Neutron writes them in dnsmasq opts files, parsed with dnsmasq's rules.
 * Byte expectations are written out by hand; fixtures.test.ts also checks them against dnsmasq's real replies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptionText, resolveOptionCode } from './index.js';

const text = (s: string) => Buffer.from(s, 'latin1').toString('hex');

const OK_CASES: ReadonlyArray<{ option: number | string; values: string[]; hex: string; why: string }> = [
  {
    option: 'classless-static-route',
    values: ['169.254.169.254/32', '10.0.0.2', '0.0.0.0/0', '10.0.0.1'],
    hex: '20a9fea9fe0a000002' + '000a000001',
    why: 'CIDR becomes an RFC 3442 descriptor, plain addresses are 4 bytes',
  },
  {
    option: '249',
    values: ['10.20.0.0/16', '10.0.0.1'],
    hex: '100a140a000001',
    why: '249 has the 121 format',
  },
  { option: 249, values: ['0.0.0.0/0', '10.0.0.1'], hex: '000a000001', why: 'numeric code as a number' },
  {
    option: 'dns-server',
    values: ['192.0.2.53', '192.0.2.54'],
    hex: 'c0000235c0000236',
    why: 'address list',
  },
  { option: 'option:router', values: ['10.0.0.1'], hex: '0a000001', why: 'option: prefix accepted' },
  { option: 'router', values: [], hex: '', why: 'no value: zero-length, meaning "send no router"' },
  { option: 'mtu', values: ['1450'], hex: '05aa', why: 'fixed 2-byte width from the table' },
  { option: 'mtu', values: ['05:aa'], hex: '05aa', why: 'hex is accepted for any non-address option' },
  { option: 'ip-forward-enable', values: ['1'], hex: '01', why: '1-byte option' },
  { option: 'time-offset', values: ['-3600'], hex: 'fffff1f0', why: 'negative, two-complement int32' },
  { option: 'lease-time', values: ['1h'], hex: '00000e10', why: 'time suffix h' },
  { option: 'T1', values: ['2d'], hex: '0002a300', why: 'time suffix d' },
  { option: 'T2', values: ['90'], hex: '0000005a', why: 'plain seconds' },
  {
    option: 'bootfile-name',
    values: ['pxelinux.0'],
    hex: text('pxelinux.0'),
    why: 'name option is always text',
  },
  { option: 'domain-name', values: ['1234'], hex: text('1234'), why: 'digits stay text for a name option' },
  { option: 'tftp-server', values: ['192.0.2.9'], hex: text('192.0.2.9'), why: 'tftp-server (66) is a name' },
  { option: 'tftp-server-address', values: ['192.0.2.9'], hex: 'c0000209', why: '150 is an address list' },
  { option: 255, values: ['192.0.2.9'], hex: 'c0000209', why: "Ironic's 255: dnsmasq's server-ip-address" },
  { option: 'server-ip-address', values: ['192.0.2.9'], hex: 'c0000209', why: 'siaddr, by name' },
  {
    option: 'domain-search',
    values: ['eng.example.com', 'example.com'],
    hex: '03656e67076578616d706c6503636f6d00c004',
    why: 'RFC 1035 names with suffix compression, as dnsmasq writes them',
  },
  {
    option: 'sip-server',
    values: ['192.0.2.5'],
    hex: '01c0000205',
    why: 'RFC 3361 encoding byte 1 for addresses',
  },
  { option: 250, values: ['01:02:03'], hex: '010203', why: 'unknown code, hex' },
  { option: 250, values: ['a:b'], hex: '0a0b', why: 'one-digit hex groups' },
  { option: 251, values: ['hello', 'world'], hex: text('hello,world'), why: 'strings keep their commas' },
  { option: 252, values: ['5'], hex: '05', why: 'small decimal: 1 byte' },
  { option: 252, values: ['300'], hex: '012c', why: 'decimal over 255: 2 bytes' },
  { option: 252, values: ['70000'], hex: '00011170', why: 'decimal over 65535: 4 bytes' },
  { option: 252, values: ['5s'], hex: '0005', why: 'width suffix s = 2 bytes' },
  { option: 252, values: ['7i'], hex: '00000007', why: 'width suffix i = 4 bytes' },
  {
    option: 253,
    values: ['192.0.2.1', '192.0.2.2'],
    hex: 'c0000201c0000202',
    why: 'unknown code, addresses',
  },
  { option: 254, values: ['/tftpboot/pxe'], hex: text('/tftpboot/pxe'), why: 'a leading slash is a path' },
];

describe('parseOptionText (dnsmasq opts-file values)', () => {
  for (const c of OK_CASES) {
    it(`${c.option} ${JSON.stringify(c.values)}: ${c.why}`, () => {
      const read = parseOptionText(c.option, c.values);
      assert.equal(read.status, 'ok', JSON.stringify(read));
      if (read.status === 'ok') assert.equal(Buffer.from(read.value).toString('hex'), c.hex);
    });
  }

  const MALFORMED: ReadonlyArray<{ option: number | string; values: string[]; reason: RegExp }> = [
    { option: 'router', values: ['not-an-ip'], reason: /bad IP address/ },
    { option: 'router', values: ['10.0.0.256'], reason: /bad IPv4 address/ },
    { option: 'router', values: [''], reason: /bad IP address/ },
    { option: 'classless-static-route', values: ['10.0.0.0/33', '10.0.0.1'], reason: /prefix/ },
    { option: 'mtu', values: ['abc'], reason: /not a number/ },
    { option: 'mtu', values: ['70000'], reason: /does not fit/ },
    { option: 'lease-time', values: ['soon'], reason: /not a time/ },
    { option: 250, values: ['01:02:003'], reason: /bad hex/ },
    { option: 'domain-search', values: ['a..b'], reason: /empty label/ },
    { option: 'no-such-option', values: ['1'], reason: /unknown or reserved/ },
    { option: 0, values: ['1'], reason: /unknown or reserved/ },
    { option: 52, values: ['1'], reason: /unknown or reserved/ },
    { option: 255, values: ['tftp.example'], reason: /bad IP address/ },
    { option: 256, values: ['1.2.3.4'], reason: /unknown or reserved/ },
    { option: 252, values: ['99999999999'], reason: /32-bit/ },
    { option: 224, values: ['1.5'], reason: /bad IPv4 address/ }, // dnsmasq: looks like an address, is not
  ];
  for (const c of MALFORMED) {
    it(`malformed: ${c.option} ${JSON.stringify(c.values)}`, () => {
      const read = parseOptionText(c.option, c.values);
      assert.equal(read.status, 'malformed');
      if (read.status === 'malformed') assert.match(read.reason, c.reason);
    });
  }

  it('resolveOptionCode accepts codes, decimal text and names', () => {
    assert.equal(resolveOptionCode(121), 121);
    assert.equal(resolveOptionCode('121'), 121);
    assert.equal(resolveOptionCode('classless-static-route'), 121);
    assert.equal(resolveOptionCode('option:mtu'), 26);
    assert.equal(resolveOptionCode('249'), 249);
    assert.equal(resolveOptionCode('bogus'), undefined);
    assert.equal(resolveOptionCode(256), undefined);
  });
});
