/**
 * Option table and typed value codecs: for each kind, encode, decode, and a malformed case; typed getters tell
 * absent from malformed; names agree with dnsmasq's own table.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DhcpEncodeError, optionByCode, optionName } from './index.js';
import { OPTION_TABLE, type OptionKind, type OptionKindValues, optionByName } from './option-table.js';
import { decodeOptionValue, encodeOption, encodeOptionValue, readOption } from './option-values.js';
import { ip, route } from './testing/values.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

interface KindCase<K extends OptionKind> {
  readonly kind: K;
  readonly value: OptionKindValues[K];
  readonly wire: Uint8Array;
  readonly malformed: Uint8Array;
}
function kindCase<K extends OptionKind>(c: KindCase<K>): KindCase<OptionKind> {
  return c as unknown as KindCase<OptionKind>;
}

const KIND_CASES: readonly KindCase<OptionKind>[] = [
  kindCase({ kind: 'ipv4', value: ip('192.0.2.1'), wire: bytes(192, 0, 2, 1), malformed: bytes(192, 0, 2) }),
  kindCase({
    kind: 'ipv4-list',
    value: [ip('192.0.2.1'), ip('10.0.0.255')],
    wire: bytes(192, 0, 2, 1, 10, 0, 0, 255),
    malformed: bytes(1, 2, 3, 4, 5),
  }),
  kindCase({ kind: 'uint8', value: 200, wire: bytes(200), malformed: bytes(1, 2) }),
  kindCase({ kind: 'uint16', value: 1450, wire: bytes(0x05, 0xaa), malformed: bytes(5) }),
  kindCase({ kind: 'uint32', value: 0xfffffffe, wire: bytes(255, 255, 255, 254), malformed: bytes(0, 0, 1) }),
  kindCase({
    kind: 'int32',
    value: -3600,
    wire: bytes(0xff, 0xff, 0xf1, 0xf0),
    malformed: bytes(1, 2, 3, 4, 5),
  }),
  kindCase({ kind: 'string', value: 'host-1', wire: bytes(104, 111, 115, 116, 45, 49), malformed: bytes() }),
  kindCase({ kind: 'bool', value: true, wire: bytes(1), malformed: bytes(2) }),
  kindCase({ kind: 'bytes', value: bytes(1, 0xfa, 0x16), wire: bytes(1, 0xfa, 0x16), malformed: bytes() }),
  kindCase({ kind: 'message-type', value: 'INFORM', wire: bytes(8), malformed: bytes(9) }),
  kindCase({ kind: 'parameter-list', value: [1, 3, 121], wire: bytes(1, 3, 121), malformed: bytes() }),
  kindCase({
    kind: 'routes',
    value: [
      route('169.254.169.254/32', '10.0.0.2'),
      route('10.16.0.0/12', '10.0.0.3'),
      route('0.0.0.0/0', '10.0.0.1'),
    ],
    // biome-ignore format: annotated bytes, one route per line
    wire: bytes(
      32, 169, 254, 169, 254, 10, 0, 0, 2, // /32: four significant octets, router
      12, 10, 16, 10, 0, 0, 3, // /12: two significant octets, router
      0, 10, 0, 0, 1, // /0: no octets, router
    ),
    malformed: bytes(24, 10, 0, 0, 10, 0, 0), // router truncated
  }),
  kindCase({
    kind: 'domain-list',
    value: ['eng.example.com', 'example.com', 'corp.test'],
    // biome-ignore format: annotated bytes, one label per line
    wire: bytes(
      3, 101, 110, 103, // "eng" at 0
      7, 101, 120, 97, 109, 112, 108, 101, // "example" at 4
      3, 99, 111, 109, // "com" at 12
      0, // end of name 1
      0xc0, 4, // name 2: pointer to "example.com" at 4
      4, 99, 111, 114, 112, // "corp"
      4, 116, 101, 115, 116, // "test"
      0, // end of name 3
    ),
    malformed: bytes(3, 101, 110), // label runs past the end
  }),
  kindCase({
    kind: 'relay-agent-info',
    value: [
      { code: 1, value: bytes(0x65, 0x74, 0x68, 0x30) },
      { code: 2, value: bytes(0, 1, 2, 3, 4, 5) },
    ],
    wire: bytes(1, 4, 0x65, 0x74, 0x68, 0x30, 2, 6, 0, 1, 2, 3, 4, 5),
    malformed: bytes(1, 5, 0x65),
  }),
];

describe('option value codecs, one row per kind', () => {
  for (const c of KIND_CASES) {
    it(`${c.kind}: encode, decode, malformed`, () => {
      assert.deepEqual(encodeOptionValue(c.kind, c.value), c.wire);
      assert.deepEqual(decodeOptionValue(c.kind, c.wire), { status: 'ok', value: c.value });
      if (c.kind === 'string' || c.kind === 'bytes' || c.kind === 'parameter-list') {
        // every byte sequence is a valid value of these kinds: the "malformed" row is the empty value
        assert.equal(decodeOptionValue(c.kind, c.malformed).status, 'ok');
      } else {
        const read = decodeOptionValue(c.kind, c.malformed);
        assert.equal(read.status, 'malformed');
        assert.ok(read.status === 'malformed' && read.reason.length > 0);
      }
    });
  }

  it('every kind in the table has a row here', () => {
    const covered = new Set(KIND_CASES.map((c) => c.kind));
    for (const definition of OPTION_TABLE) assert.ok(covered.has(definition.kind), definition.kind);
  });

  it('string decode drops trailing NULs some clients add; latin1 is kept byte for byte', () => {
    assert.deepEqual(decodeOptionValue('string', bytes(0x61, 0xe9, 0, 0)), {
      status: 'ok',
      value: 'a\u00e9',
    });
  });

  it('domain-list: pointers must go backwards (no loops), root name is empty', () => {
    assert.equal(decodeOptionValue('domain-list', bytes(0xc0, 0)).status, 'malformed');
    assert.equal(decodeOptionValue('domain-list', bytes(1, 97, 0xc0, 2)).status, 'malformed');
    assert.equal(decodeOptionValue('domain-list', bytes(1, 97, 0xc0)).status, 'malformed');
    assert.equal(
      decodeOptionValue('domain-list', bytes(64, ...new Array<number>(64).fill(97), 0)).status,
      'malformed',
    );
    assert.deepEqual(decodeOptionValue('domain-list', bytes(0)), { status: 'ok', value: [''] });
    assert.deepEqual(encodeOptionValue('domain-list', ['.']), bytes(0));
  });

  it('routes: prefix length above 32 is malformed', () => {
    assert.equal(decodeOptionValue('routes', bytes(33, 1, 2, 3, 4, 5, 10, 0, 0, 1)).status, 'malformed');
  });

  const badValues: ReadonlyArray<[string, () => unknown]> = [
    ['ipv4 above 32 bits', () => encodeOptionValue('ipv4', 2 ** 32)],
    ['uint8 256', () => encodeOptionValue('uint8', 256)],
    ['uint16 1.5', () => encodeOptionValue('uint16', 1.5)],
    ['int32 2^31', () => encodeOptionValue('int32', 2 ** 31)],
    ['string not latin1', () => encodeOptionValue('string', 'λ')],
    [
      'route router above 32 bits',
      () => encodeOptionValue('routes', [{ ...route('10.0.0.0/8', '10.0.0.1'), router: 2 ** 32 }]),
    ],
    [
      'route /33',
      () => encodeOptionValue('routes', [{ ...route('10.0.0.0/8', '10.0.0.1'), prefixLength: 33 }]),
    ],
    ['domain with empty label', () => encodeOptionValue('domain-list', ['a..b'])],
    ['domain label of 64', () => encodeOptionValue('domain-list', ['a'.repeat(64)])],
    ['parameter 256', () => encodeOptionValue('parameter-list', [256])],
  ];
  for (const [name, encode] of badValues) {
    it(`encode rejects ${name}`, () => assert.throws(encode, DhcpEncodeError));
  }
});

describe('typed getters', () => {
  const options = new Map<number, Uint8Array>([
    [51, bytes(0, 1, 0x51, 0x80)],
    [3, bytes(10, 0, 0)],
  ]);
  it('absent, malformed and ok are distinct', () => {
    assert.deepEqual(readOption(options, 51), { status: 'ok', value: 86400 });
    assert.equal(readOption(options, 3).status, 'malformed');
    assert.deepEqual(readOption(options, 6), { status: 'absent' });
  });
  it('encodeOption picks the kind from the table', () => {
    assert.deepEqual(encodeOption(121, [route('0.0.0.0/0', '10.0.0.1')]), bytes(0, 10, 0, 0, 1));
    assert.deepEqual(encodeOption(249, [route('0.0.0.0/0', '10.0.0.1')]), bytes(0, 10, 0, 0, 1));
    assert.deepEqual(encodeOption(53, 'DISCOVER'), bytes(1));
    assert.deepEqual(encodeOption(2, -1), bytes(255, 255, 255, 255));
  });
});

describe('the option table', () => {
  it('has one row per code and per name, in code order', () => {
    const codes = OPTION_TABLE.map((d) => d.code);
    assert.deepEqual(
      codes,
      [...codes].sort((a, b) => a - b),
    );
    assert.equal(new Set(codes).size, codes.length);
    const names = OPTION_TABLE.flatMap((d) => (d.name === undefined ? [] : [d.name.toLowerCase()]));
    assert.equal(new Set(names).size, names.length);
  });

  it('covers the options the brief requires, with dnsmasq names', () => {
    const required: Array<[number, string | undefined]> = [
      [1, 'netmask'],
      [3, 'router'],
      [6, 'dns-server'],
      [12, 'hostname'],
      [15, 'domain-name'],
      [26, 'mtu'],
      [28, 'broadcast'],
      [42, 'ntp-server'],
      [43, 'vendor-encap'],
      [50, 'requested-address'],
      [51, 'lease-time'],
      [53, 'message-type'],
      [54, 'server-identifier'],
      [55, 'parameter-request'],
      [57, 'max-message-size'],
      [58, 'T1'],
      [59, 'T2'],
      [60, 'vendor-class'],
      [61, 'client-id'],
      [66, 'tftp-server'],
      [67, 'bootfile-name'],
      [82, 'agent-id'],
      [119, 'domain-search'],
      [121, 'classless-static-route'],
      [150, 'tftp-server-address'],
      [249, undefined],
    ];
    for (const [code, name] of required) {
      assert.equal(optionByCode(code)?.name, name, `option ${code}`);
      if (name !== undefined) assert.equal(optionByName(name)?.code, code);
    }
    assert.equal(optionByName('option:Classless-Static-Route')?.code, 121);
    assert.equal(optionByName('no-such-option'), undefined);
    assert.equal(optionName(249), 'ms-classless-static-route');
    assert.equal(optionName(53), 'message-type');
    assert.equal(optionName(222), 'option-222');
  });

  it('agrees with `dnsmasq --help dhcp` on every name dnsmasq prints', {
    skip: !existsSync('/usr/sbin/dnsmasq') && 'dnsmasq not installed',
  }, () => {
    const help = execFileSync('/usr/sbin/dnsmasq', ['--help', 'dhcp'], { encoding: 'utf8', timeout: 5000 });
    const rows = [...help.matchAll(/^\s*(\d+) (\S+)$/gm)].map((m) => [Number(m[1]), m[2]] as const);
    assert.ok(rows.length > 40, 'parsed the help output');
    for (const [code, name] of rows) {
      if (code === 255) continue; // server-ip-address: dnsmasq's pseudo-option for siaddr
      assert.equal(optionByCode(code)?.name, name, `dnsmasq option ${code}`);
    }
  });
});
