/**
 * Decoder tests on hand-written, annotated bytes (built without the encoder), and every decode error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpDecodeError, decodeMessage } from './index.js';
import { hardwareAddressText, isBroadcastFlagSet } from './message.js';
import { ip } from './testing/values.js';

/** Header bytes 0..235 with the given fields; everything else zero. One comment per field. */
function header(fields: { op?: number; hlen?: number; sname?: number[]; file?: number[] } = {}): number[] {
  // biome-ignore format: annotated bytes, one field per line
  const bytes = [
    fields.op ?? 1, // op: BOOTREQUEST
    1, // htype: Ethernet
    fields.hlen ?? 6, // hlen
    2, // hops
    0x12, 0x34, 0x56, 0x78, // xid
    0x00, 0x05, // secs: 5
    0x80, 0x00, // flags: broadcast
    192, 0, 2, 10, // ciaddr
    192, 0, 2, 11, // yiaddr
    192, 0, 2, 1, // siaddr
    192, 0, 2, 254, // giaddr
    0xfa, 0x16, 0x3e, 0xaa, 0xbb, 0xcc, ...new Array<number>(10).fill(0), // chaddr (16)
  ];
  const sname = new Array<number>(64).fill(0);
  sname.splice(0, fields.sname?.length ?? 0, ...(fields.sname ?? []));
  const file = new Array<number>(128).fill(0);
  file.splice(0, fields.file?.length ?? 0, ...(fields.file ?? []));
  return [...bytes, ...sname, ...file];
}
const COOKIE = [99, 130, 83, 99];

function decodeError(bytes: number[]): DhcpDecodeError {
  try {
    decodeMessage(Uint8Array.from(bytes));
  } catch (error) {
    if (error instanceof DhcpDecodeError) return error;
    throw error;
  }
  assert.fail('expected a DhcpDecodeError');
}

describe('decodeMessage on annotated bytes', () => {
  it('reads every header field', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [
      ...header({ sname: [0x73, 0x72, 0x76] /* "srv" */, file: [0x70, 0x78, 0x65] /* "pxe" */ }),
      ...COOKIE, // magic cookie
      53, 1, 3, // message type: REQUEST
      255, // end
    ];
    const m = decodeMessage(Uint8Array.from(bytes));
    assert.equal(m.op, 'BOOTREQUEST');
    assert.equal(m.hardwareType, 1);
    assert.equal(m.hardwareAddressLength, 6);
    assert.equal(m.hops, 2);
    assert.equal(m.transactionId, 0x12345678);
    assert.equal(m.secondsElapsed, 5);
    assert.equal(m.flags, 0x8000);
    assert.equal(isBroadcastFlagSet(m), true);
    assert.equal(m.clientIp, ip('192.0.2.10'));
    assert.equal(m.yourIp, ip('192.0.2.11'));
    assert.equal(m.serverIp, ip('192.0.2.1'));
    assert.equal(m.gatewayIp, ip('192.0.2.254'));
    assert.equal(m.clientHardwareAddress.length, 16);
    assert.equal(hardwareAddressText(m), 'fa:16:3e:aa:bb:cc');
    assert.equal(m.serverName, 'srv');
    assert.equal(m.bootFileName, 'pxe');
    assert.deepEqual([...m.options], [[53, Uint8Array.of(3)]]);
  });

  it('skips pad, stops at end, ignores bytes after end', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [
      ...header(),
      ...COOKIE,
      0, 0, // pad, pad
      53, 1, 1, // message type: DISCOVER
      0, // pad
      12, 3, 0x61, 0x62, 0x63, // hostname "abc"
      255, // end
      6, 99, 1, // garbage after end: ignored
    ];
    const m = decodeMessage(Uint8Array.from(bytes));
    assert.deepEqual([...m.options.keys()], [53, 12]);
  });

  it('accepts a missing end option when the last option ends at the end of the packet', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [...header(), ...COOKIE, 53, 1, 1, 61, 2, 0xaa, 0xbb];
    assert.deepEqual([...decodeMessage(Uint8Array.from(bytes)).options.keys()], [53, 61]);
  });

  it('concatenates repeated instances in order (RFC 3396 §7)', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [
      ...header(),
      ...COOKIE,
      119, 2, 0x01, 0x02, // first instance
      53, 1, 1, // another option in between
      119, 1, 0x03, // second instance
      255,
    ];
    const m = decodeMessage(Uint8Array.from(bytes));
    assert.deepEqual(m.options.get(119), Uint8Array.of(1, 2, 3));
    assert.deepEqual([...m.options.keys()], [119, 53]);
  });

  it('reads overloaded file then sname (RFC 2131 §4.1) and reports both names empty', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [
      ...header({
        sname: [15, 1, 0x63, 255], // sname: domain-name part 2 "c", end
        file: [15, 2, 0x61, 0x62, 0, 3, 4, 1, 2, 3, 4, 255], // file: domain-name "ab", pad, router, end
      }),
      ...COOKIE,
      52, 1, 3, // overload: file and sname
      53, 1, 2, // message type: OFFER
      255,
    ];
    const m = decodeMessage(Uint8Array.from(bytes));
    assert.equal(m.serverName, '');
    assert.equal(m.bootFileName, '');
    assert.deepEqual([...m.options.keys()], [53, 15, 3]);
    assert.deepEqual(m.options.get(15), Uint8Array.of(0x61, 0x62, 0x63));
    assert.deepEqual(m.options.get(3), Uint8Array.of(1, 2, 3, 4));
    assert.equal(m.options.has(52), false);
  });

  it('keeps sname text when only file is overloaded', () => {
    // biome-ignore format: annotated bytes, one field per line
    const bytes = [...header({ sname: [0x78], file: [53, 1, 5, 255] }), ...COOKIE, 52, 1, 1, 255];
    const m = decodeMessage(Uint8Array.from(bytes));
    assert.equal(m.serverName, 'x');
    assert.deepEqual(m.options.get(53), Uint8Array.of(5));
  });

  it('returns values that do not change when the input buffer is reused', () => {
    const input = Uint8Array.from([...header(), ...COOKIE, 12, 1, 0x61, 255]);
    const m = decodeMessage(input);
    input.fill(0);
    assert.deepEqual(m.options.get(12), Uint8Array.of(0x61));
    assert.equal(m.transactionId, 0x12345678);
  });
});

describe('decodeMessage errors carry offset and reason', () => {
  const valid = [...header(), ...COOKIE, 53, 1, 1, 255];
  const cases: ReadonlyArray<{ name: string; bytes: number[]; offset: number; reason: RegExp }> = [
    { name: 'empty', bytes: [], offset: 0, reason: /truncated header/ },
    { name: 'truncated header', bytes: valid.slice(0, 100), offset: 100, reason: /truncated header/ },
    {
      name: 'no magic cookie (plain BOOTP)',
      bytes: valid.slice(0, 236),
      offset: 236,
      reason: /truncated magic/,
    },
    {
      name: 'bad magic cookie',
      bytes: [...header(), 99, 130, 83, 98, 255],
      offset: 239,
      reason: /magic cookie/,
    },
    { name: 'op 3', bytes: [...header({ op: 3 }), ...COOKIE, 255], offset: 0, reason: /op must be/ },
    { name: 'hlen 17', bytes: [...header({ hlen: 17 }), ...COOKIE, 255], offset: 2, reason: /hlen 17/ },
    {
      name: 'length overrun',
      bytes: [...header(), ...COOKIE, 53, 1, 1, 12, 9, 0x61],
      offset: 243,
      reason: /overruns/,
    },
    {
      name: 'no length byte',
      bytes: [...header(), ...COOKIE, 53, 1, 1, 12],
      offset: 243,
      reason: /no length/,
    },
    {
      name: 'overload value 4',
      bytes: [...header(), ...COOKIE, 52, 1, 4, 255],
      offset: 240,
      reason: /overload/,
    },
    {
      name: 'overload length 2',
      bytes: [...header(), ...COOKIE, 52, 2, 1, 1, 255],
      offset: 240,
      reason: /overload/,
    },
    {
      name: 'overload repeated',
      bytes: [...header({ file: [255] }), ...COOKIE, 52, 1, 1, 52, 1, 1, 255],
      offset: 243,
      reason: /repeated/,
    },
    {
      name: 'overload inside file',
      bytes: [...header({ file: [52, 1, 2, 255] }), ...COOKIE, 52, 1, 1, 255],
      offset: 108,
      reason: /inside an overloaded/,
    },
    {
      name: 'option in file overruns the file field',
      bytes: [...header({ file: [...new Array<number>(126).fill(0), 12, 5] }), ...COOKIE, 52, 1, 1, 255],
      offset: 234,
      reason: /overruns/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const error = decodeError(c.bytes);
      assert.equal(error.offset, c.offset);
      assert.match(error.reason, c.reason);
      assert.match(error.message, /byte \d+/);
    });
  }
});
