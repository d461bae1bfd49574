/**
 * Encoder tests: annotated expected bytes, decode(encode(x)) for a table of messages, RFC 3396 splitting,
 * option 82 placement (RFC 3046), overload into file/sname (RFC 2131 §4.1), and encode errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpEncodeError, decodeMessage, encodeMessage, parseOptionText } from './index.js';
import { encodeOption, readOption } from './option-values.js';
import { ip, route } from './testing/values.js';
import type { DhcpMessage } from './types.js';

const CHADDR = Uint8Array.of(0xfa, 0x16, 0x3e, 1, 2, 3, ...new Array<number>(10).fill(0));

function reply(
  options: ReadonlyArray<readonly [number, Uint8Array]>,
  overrides: Partial<DhcpMessage> = {},
): DhcpMessage {
  return {
    op: 'BOOTREPLY',
    hardwareType: 1,
    hardwareAddressLength: 6,
    hops: 0,
    transactionId: 0xcafe0001,
    secondsElapsed: 0,
    flags: 0,
    clientIp: ip('0.0.0.0'),
    yourIp: ip('10.77.1.5'),
    serverIp: ip('10.77.0.1'),
    gatewayIp: ip('0.0.0.0'),
    clientHardwareAddress: CHADDR,
    serverName: '',
    bootFileName: '',
    options: new Map(options),
    ...overrides,
  };
}

/** [code, length] of each option instance written in the options field, in wire order. */
function instances(bytes: Uint8Array, start = 240, end = bytes.length): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = start; p < end; ) {
    const code = bytes[p]!;
    if (code === 0) {
      p++;
      continue;
    }
    if (code === 255) break;
    out.push([code, bytes[p + 1]!]);
    p += 2 + bytes[p + 1]!;
  }
  return out;
}

describe('encodeMessage', () => {
  it('writes the header, cookie, options and end exactly (annotated expectation)', () => {
    const bytes = encodeMessage(
      reply([[53, Uint8Array.of(2)]], { flags: 0x8000, hops: 1, secondsElapsed: 258 }),
    );
    // biome-ignore format: annotated bytes, one field per line
    const expectedStart = [
      2, // op: BOOTREPLY
      1, // htype: Ethernet
      6, // hlen
      1, // hops
      0xca, 0xfe, 0x00, 0x01, // xid
      0x01, 0x02, // secs: 258
      0x80, 0x00, // flags: broadcast
      0, 0, 0, 0, // ciaddr
      10, 77, 1, 5, // yiaddr
      10, 77, 0, 1, // siaddr
      0, 0, 0, 0, // giaddr
      0xfa, 0x16, 0x3e, 1, 2, 3, // chaddr (first 6 of 16)
    ];
    assert.deepEqual([...bytes.subarray(0, expectedStart.length)], expectedStart);
    assert.ok(
      bytes.subarray(34, 236).every((b) => b === 0),
      'chaddr padding, sname and file are zero',
    );
    // biome-ignore format: annotated bytes, one field per line
    const expectedOptions = [
      99, 130, 83, 99, // magic cookie
      53, 1, 2, // message type: OFFER
      255, // end
    ];
    assert.deepEqual([...bytes.subarray(236, 244)], expectedOptions);
    assert.equal(bytes.length, 300, 'zero-padded to the BOOTP minimum');
    assert.ok(bytes.subarray(244).every((b) => b === 0));
  });

  const roundTrips: ReadonlyArray<{ name: string; message: DhcpMessage }> = [
    { name: 'no options at all', message: reply([]) },
    { name: 'zero-length option', message: reply([[3, new Uint8Array(0)]]) },
    {
      name: 'typical ACK',
      message: reply([
        [53, encodeOption(53, 'ACK')],
        [54, encodeOption(54, ip('10.77.0.1'))],
        [51, encodeOption(51, 86400)],
        [1, encodeOption(1, ip('255.255.0.0'))],
        [3, encodeOption(3, [ip('10.77.0.1')])],
        [6, encodeOption(6, [ip('10.77.0.1'), ip('10.77.0.2')])],
        [15, encodeOption(15, 'openstacklocal')],
        [26, encodeOption(26, 1450)],
        [121, encodeOption(121, [route('0.0.0.0/0', '10.77.0.1')])],
      ]),
    },
    {
      name: 'request with every header field set and names',
      message: {
        ...reply([
          [53, Uint8Array.of(3)],
          [250, Uint8Array.of(1, 2, 3)],
        ]),
        op: 'BOOTREQUEST',
        hardwareType: 6,
        hardwareAddressLength: 16,
        hops: 3,
        transactionId: 0xffffffff,
        secondsElapsed: 65535,
        flags: 0xffff,
        clientIp: ip('255.255.255.255'),
        gatewayIp: ip('192.0.2.1'),
        clientHardwareAddress: Uint8Array.from({ length: 16 }, (_, i) => 255 - i),
        serverName: 's'.repeat(64),
        bootFileName: `pxelinux.0\u00e9${'f'.repeat(117)}`,
      },
    },
    {
      name: 'relay agent information',
      message: reply([
        [82, encodeOption(82, [{ code: 1, value: Uint8Array.of(9) }])],
        [53, Uint8Array.of(2)],
      ]),
    },
  ];
  for (const { name, message } of roundTrips) {
    it(`decode(encode(x)) == x: ${name}`, () => {
      assert.deepEqual(decodeMessage(encodeMessage(message)), message);
    });
  }

  it('writes option 82 last, just before end (RFC 3046 §2.1)', () => {
    const bytes = encodeMessage(
      reply([
        [82, Uint8Array.of(1, 1, 7)],
        [53, Uint8Array.of(2)],
        [3, Uint8Array.of(1, 2, 3, 4)],
      ]),
    );
    assert.deepEqual(instances(bytes), [
      [53, 1],
      [3, 4],
      [82, 3],
    ]);
  });

  it('splits a 300-byte option into 255 + 45 and decodes it back joined (RFC 3396)', () => {
    // Five distinct one-label names of 58 characters: 5 × (1 + 58 + 1) = 300 bytes, no compression possible.
    const names = Array.from({ length: 5 }, (_, i) => String.fromCharCode(97 + i).repeat(58));
    const long = encodeOption(119, names);
    assert.equal(long.length, 300);
    const bytes = encodeMessage(
      reply([
        [53, Uint8Array.of(5)],
        [119, long],
      ]),
      { maxMessageSize: 1500 },
    );
    assert.deepEqual(instances(bytes), [
      [53, 1],
      [119, 255],
      [119, 45],
    ]);
    assert.deepEqual(decodeMessage(bytes).options.get(119), long);
    assert.deepEqual(readOption(decodeMessage(bytes), 119), { status: 'ok', value: names });
  });

  it('a long domain-search list survives encode, split, decode and typed read', () => {
    const names = Array.from({ length: 20 }, (_, i) => `project-${i}.tenant.example.org`);
    const message = reply([[119, encodeOption(119, names)]]);
    const decoded = decodeMessage(encodeMessage(message, { maxMessageSize: 1500 }));
    assert.deepEqual(readOption(decoded, 119), { status: 'ok', value: names });
  });

  it('overloads into file, then sname, when the options exceed maxMessageSize (RFC 2131 §4.1)', () => {
    const big = (code: number, length: number) => [code, new Uint8Array(length).fill(code)] as const;
    const message = reply([
      [53, Uint8Array.of(5)],
      big(43, 250),
      big(224, 150), // too big for what is left of the options field and for file alone: split across both
      big(225, 40),
      [82, Uint8Array.of(1, 2, 0xab, 0xcd)],
    ]);
    const bytes = encodeMessage(message); // default 576 → 548-byte payload
    assert.ok(bytes.length <= 548, `${bytes.length} bytes`);
    const main = instances(bytes);
    assert.deepEqual(main[0], [52, 1]);
    assert.equal(bytes[242], 3, 'overload: file and sname');
    assert.deepEqual(main.at(-1), [82, 4], 'option 82 stays last in the options field');
    assert.ok(instances(bytes, 108, 236).length > 0, 'file holds options');
    assert.ok(instances(bytes, 44, 108).length > 0, 'sname holds options');
    const decoded = decodeMessage(bytes);
    assert.deepEqual(decoded, message);
  });

  it('overloads only into file when that is enough', () => {
    const message = reply([
      [53, Uint8Array.of(5)],
      [43, new Uint8Array(255).fill(1)],
      [224, new Uint8Array(80).fill(2)],
    ]);
    const bytes = encodeMessage(message);
    assert.equal(bytes[242], 1);
    assert.deepEqual(instances(bytes, 108, 236), [[224, 80]]);
    assert.deepEqual(decodeMessage(bytes), message);
  });

  it('never overloads a field that holds a name, and fails when the rest is not enough', () => {
    const options: Array<[number, Uint8Array]> = [
      [43, new Uint8Array(255)],
      [224, new Uint8Array(80)],
    ];
    const withFile = reply(options, { bootFileName: 'pxelinux.0' });
    const bytes = encodeMessage(withFile);
    assert.equal(bytes[242], 2, 'sname only');
    assert.deepEqual(decodeMessage(bytes), withFile);
    assert.throws(
      () => encodeMessage(reply(options, { bootFileName: 'pxelinux.0', serverName: 'tftp' })),
      (error: unknown) => error instanceof DhcpEncodeError && /do not fit/.test(error.message),
    );
  });

  it('honours a larger maxMessageSize instead of overloading', () => {
    const message = reply([
      [43, new Uint8Array(255)],
      [224, new Uint8Array(150)],
    ]);
    const bytes = encodeMessage(message, { maxMessageSize: 1500 });
    assert.equal(
      instances(bytes).some(([code]) => code === 52),
      false,
    );
    assert.equal(bytes.length, 240 + 257 + 152 + 1);
  });

  it('treats maxMessageSize below 576 as 576 (RFC 2132 §9.10 minimum)', () => {
    const message = reply([[43, new Uint8Array(255)]]);
    assert.deepEqual(encodeMessage(message, { maxMessageSize: 300 }), encodeMessage(message));
  });

  it('fails when options do not fit even with overload', () => {
    const message = reply([
      [43, new Uint8Array(255)],
      [224, new Uint8Array(255)],
      [225, new Uint8Array(255)],
    ]);
    assert.throws(() => encodeMessage(message), DhcpEncodeError);
  });

  const invalid: ReadonlyArray<{ name: string; message: DhcpMessage; reason: RegExp }> = [
    { name: 'xid too large', message: reply([], { transactionId: 2 ** 32 }), reason: /transactionId/ },
    { name: 'negative hops', message: reply([], { hops: -1 }), reason: /hops/ },
    { name: 'hlen 17', message: reply([], { hardwareAddressLength: 17 }), reason: /hardwareAddressLength/ },
    { name: 'bad yiaddr', message: reply([], { yourIp: 2 ** 32 }), reason: /yourIp/ },
    {
      name: 'chaddr 17 bytes',
      message: reply([], { clientHardwareAddress: new Uint8Array(17) }),
      reason: /clientHardware/,
    },
    { name: 'sname too long', message: reply([], { serverName: 'x'.repeat(65) }), reason: /serverName/ },
    { name: 'non-latin1 file', message: reply([], { bootFileName: 'λ' }), reason: /bootFileName/ },
    { name: 'option 0', message: reply([[0, new Uint8Array(1)]]), reason: /option code 0/ },
    { name: 'option 52', message: reply([[52, Uint8Array.of(1)]]), reason: /option code 52/ },
    { name: 'option 255', message: reply([[255, new Uint8Array(0)]]), reason: /option code 255/ },
    { name: 'option 300', message: reply([[300, new Uint8Array(0)]]), reason: /option code 300/ },
    { name: 'op', message: { ...reply([]), op: 'BOOTX' as 'BOOTREPLY' }, reason: /op/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => encodeMessage(c.message),
        (error: unknown) => error instanceof DhcpEncodeError && c.reason.test(error.message),
      );
    });
  }

  it('an empty configured value (dnsmasq "option:router" with no address) encodes as a zero-length option', () => {
    const empty = parseOptionText('router', []);
    assert.equal(empty.status, 'ok');
    if (empty.status !== 'ok') return;
    assert.deepEqual(instances(encodeMessage(reply([[3, empty.value]]))), [[3, 0]]);
  });
});
