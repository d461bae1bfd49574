import { readIpv4 } from '../common/ipv4.js';
import { DhcpDecodeError } from './errors.js';
import { latin1Text } from './latin1.js';
import {
  CHADDR_LENGTH,
  FILE_LENGTH,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  OFFSET,
  OPTION_END,
  OPTION_OVERLOAD,
  OPTION_PAD,
  SNAME_LENGTH,
} from './layout.js';
import type { DhcpMessage } from './types.js';

/**
 * Decodes one DHCPv4 message (the UDP payload).
 *
 * - Header per RFC 2131 §2; `hlen` above 16 and `op` other than 1/2 are rejected.
 * - The magic cookie must be 99.130.83.99 (RFC 2131 §3); plain BOOTP without it is rejected.
 * - Options are read from the options field, then — when Option Overload (52, RFC 2132 §9.3) says so —
 *   from `file`, then `sname` (RFC 2131 §4.1). Instances of one code are concatenated in that order
 *   (RFC 3396 §7). Pad is skipped; reading an area stops at End.
 * - Lenient like dnsmasq and ISC: a missing End option is accepted when the area (packet, `file`, `sname`)
 *   ends after a whole option or padding; an option cut short is an error. Bytes after End are ignored.
 *
 * The returned message references a private copy of `bytes` (one copy into Node's buffer pool), so reusing
 * the input buffer afterwards is safe.
 *
 * @throws {DhcpDecodeError} with the byte offset and reason; never anything else.
 * @example
 * const message = decodeMessage(udpPayload);
 * message.options.get(53); // Uint8Array [1] for a DISCOVER
 */
export function decodeMessage(bytes: Uint8Array): DhcpMessage {
  if (bytes.length < OFFSET.cookie) {
    throw new DhcpDecodeError(bytes.length, `truncated header: ${bytes.length} bytes, need ${OFFSET.cookie}`);
  }
  if (bytes.length < HEADER_LENGTH) {
    throw new DhcpDecodeError(bytes.length, 'truncated magic cookie');
  }
  // One private copy, taken from Node's buffer pool (much cheaper than a fresh ArrayBuffer per packet), viewed
  // as a plain Uint8Array so option values are plain Uint8Arrays too.
  const pooled = Buffer.allocUnsafe(bytes.length);
  pooled.set(bytes);
  const data = new Uint8Array(pooled.buffer, pooled.byteOffset, bytes.length);
  const opCode = data[OFFSET.op]!;
  if (opCode !== 1 && opCode !== 2) {
    throw new DhcpDecodeError(OFFSET.op, `op must be 1 (BOOTREQUEST) or 2 (BOOTREPLY), got ${opCode}`);
  }
  const hardwareAddressLength = data[OFFSET.hlen]!;
  if (hardwareAddressLength > CHADDR_LENGTH) {
    throw new DhcpDecodeError(OFFSET.hlen, `hlen ${hardwareAddressLength} exceeds the 16-byte chaddr field`);
  }
  for (let i = 0; i < 4; i++) {
    if (data[OFFSET.cookie + i] !== MAGIC_COOKIE[i]) {
      throw new DhcpDecodeError(OFFSET.cookie + i, 'bad magic cookie (expected 99.130.83.99)');
    }
  }

  const options = new Map<number, Uint8Array>();
  const overload = readOptionArea(data, HEADER_LENGTH, data.length, options, true);
  const fileHoldsOptions = overload === 1 || overload === 3;
  const snameHoldsOptions = overload === 2 || overload === 3;
  if (fileHoldsOptions) readOptionArea(data, OFFSET.file, OFFSET.file + FILE_LENGTH, options, false);
  if (snameHoldsOptions) readOptionArea(data, OFFSET.sname, OFFSET.sname + SNAME_LENGTH, options, false);

  return {
    op: opCode === 1 ? 'BOOTREQUEST' : 'BOOTREPLY',
    hardwareType: data[OFFSET.htype]!,
    hardwareAddressLength,
    hops: data[OFFSET.hops]!,
    transactionId:
      ((data[OFFSET.xid]! << 24) |
        (data[OFFSET.xid + 1]! << 16) |
        (data[OFFSET.xid + 2]! << 8) |
        data[OFFSET.xid + 3]!) >>>
      0,
    secondsElapsed: (data[OFFSET.secs]! << 8) | data[OFFSET.secs + 1]!,
    flags: (data[OFFSET.flags]! << 8) | data[OFFSET.flags + 1]!,
    clientIp: readIpv4(data, OFFSET.ciaddr),
    yourIp: readIpv4(data, OFFSET.yiaddr),
    serverIp: readIpv4(data, OFFSET.siaddr),
    gatewayIp: readIpv4(data, OFFSET.giaddr),
    clientHardwareAddress: data.subarray(OFFSET.chaddr, OFFSET.chaddr + CHADDR_LENGTH),
    serverName: snameHoldsOptions ? '' : readText(data, OFFSET.sname, SNAME_LENGTH),
    bootFileName: fileHoldsOptions ? '' : readText(data, OFFSET.file, FILE_LENGTH),
    options,
  };
}

/**
 * Reads options from `[start, end)` into `into`, concatenating repeated codes (RFC 3396 §7).
 * Returns the Option Overload value found (only allowed in the options field), or 0.
 */
function readOptionArea(
  data: Uint8Array,
  start: number,
  end: number,
  into: Map<number, Uint8Array>,
  isOptionsField: boolean,
): number {
  let overload = 0;
  let position = start;
  while (position < end) {
    const code = data[position]!;
    if (code === OPTION_PAD) {
      position++;
      continue;
    }
    if (code === OPTION_END) return overload;
    if (position + 1 >= end) {
      throw new DhcpDecodeError(position, `option ${code} has no length byte`);
    }
    const length = data[position + 1]!;
    const valueStart = position + 2;
    const valueEnd = valueStart + length;
    if (valueEnd > end) {
      throw new DhcpDecodeError(
        position,
        `option ${code} length ${length} overruns its area by ${valueEnd - end} bytes`,
      );
    }
    if (code === OPTION_OVERLOAD) {
      if (!isOptionsField) {
        throw new DhcpDecodeError(position, 'option overload (52) inside an overloaded file/sname field');
      }
      if (overload !== 0) throw new DhcpDecodeError(position, 'option overload (52) repeated');
      const value = data[valueStart];
      if (length !== 1 || value === undefined || value < 1 || value > 3) {
        throw new DhcpDecodeError(position, 'option overload (52) must be one byte 1, 2 or 3');
      }
      overload = value;
    } else {
      const value = data.subarray(valueStart, valueEnd);
      const earlier = into.get(code);
      if (earlier === undefined) {
        into.set(code, value);
      } else {
        const joined = new Uint8Array(earlier.length + length);
        joined.set(earlier, 0);
        joined.set(value, earlier.length);
        into.set(code, joined);
      }
    }
    position = valueEnd;
  }
  return overload;
}

/** Latin1 text of a NUL-terminated (or full-width) header field. */
function readText(data: Uint8Array, start: number, width: number): string {
  let end = start;
  const limit = start + width;
  while (end < limit && data[end] !== 0) end++;
  if (end === start) return '';
  return latin1Text(data, start, end);
}
