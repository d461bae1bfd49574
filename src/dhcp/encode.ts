import { writeIpv4 } from '../common/ipv4.js';
import { DhcpEncodeError } from './errors.js';
import {
  CHADDR_LENGTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  FILE_LENGTH,
  HEADER_LENGTH,
  IP_UDP_HEADER_LENGTH,
  MAGIC_COOKIE,
  MAX_INSTANCE_LENGTH,
  MIN_MESSAGE_LENGTH,
  OFFSET,
  OPTION_END,
  OPTION_OVERLOAD,
  OPTION_RELAY_AGENT_INFO,
  SNAME_LENGTH,
} from './layout.js';
import { planOverload } from './overload.js';
import type { DhcpMessage } from './types.js';

/** Options for {@link encodeMessage}. */
export interface EncodeOptions {
  /**
   * The largest IP datagram the receiver accepts, as in option 57 (RFC 2132 §9.10): IP and UDP headers
   * included. Values below 576 are raised to 576, the RFC 2131 §2 minimum. Default 576.
   */
  readonly maxMessageSize?: number;
}

/**
 * Encodes a message: BOOTP header, magic cookie, options, End, zero padding to at least 300 bytes
 * (RFC 1542 §3.1).
 *
 * - Option 82 is written last, just before End (RFC 3046 §2.1).
 * - Values longer than 255 bytes are split into consecutive instances (RFC 3396 §5); an empty value is
 *   written as a zero-length option.
 * - When the options do not fit in `maxMessageSize - 28` bytes, Option Overload (52) is added and options
 *   continue in `file`, then `sname` (RFC 2131 §4.1, RFC 2132 §9.3) — only in fields whose text is empty,
 *   so a boot file name or server name is never lost. Option 82 always stays in the options field.
 *
 * @throws {DhcpEncodeError} when a header field is out of range, an option code is 0, 52 or 255 or not an
 *   integer, or the options do not fit even with overload.
 * @example
 * const bytes = encodeMessage(reply, { maxMessageSize: 1500 });
 */
export function encodeMessage(message: DhcpMessage, options: EncodeOptions = {}): Buffer {
  const limit = payloadLimit(options.maxMessageSize);
  let optionsLength = 1; // End
  // forEach rather than for-of: no [code, value] entry array per option on this hot path.
  message.options.forEach((value, code) => {
    checkOptionCode(code);
    optionsLength += instancesLength(value.length);
  });
  if (HEADER_LENGTH + optionsLength <= limit) {
    const out = zeroed(Math.max(MIN_MESSAGE_LENGTH, HEADER_LENGTH + optionsLength));
    writeHeader(out, message, true, true);
    let position = HEADER_LENGTH;
    message.options.forEach((value, code) => {
      if (code !== OPTION_RELAY_AGENT_INFO) position = writeInstances(out, position, code, value);
    });
    const relay = message.options.get(OPTION_RELAY_AGENT_INFO);
    if (relay !== undefined) position = writeInstances(out, position, OPTION_RELAY_AGENT_INFO, relay);
    out[position] = OPTION_END;
    return out;
  }
  return encodeOverloaded(message, limit);
}

function encodeOverloaded(message: DhcpMessage, limit: number): Buffer {
  const relay = message.options.get(OPTION_RELAY_AGENT_INFO);
  const relayLength = relay === undefined ? 0 : instancesLength(relay.length);
  // Options field: the overload option (3 bytes), the relay agent option, End.
  const mainCapacity = limit - HEADER_LENGTH - 3 - relayLength - 1;
  if (mainCapacity < 0) {
    throw new DhcpEncodeError(`option 82 (${relayLength} bytes) does not fit in a ${limit}-byte message`);
  }
  const plan = planOverload(message.options, [
    mainCapacity,
    message.bootFileName === '' ? FILE_LENGTH - 1 : 0,
    message.serverName === '' ? SNAME_LENGTH - 1 : 0,
  ]);
  if (plan === undefined) {
    throw new DhcpEncodeError(
      `options do not fit in ${limit} bytes even with overload into ${
        message.bootFileName === '' ? 'file' : '(file is in use)'
      } and ${message.serverName === '' ? 'sname' : '(sname is in use)'}`,
    );
  }
  const [main, file, sname] = plan;
  const usesFile = file !== undefined && file.length > 0;
  const usesSname = sname !== undefined && sname.length > 0;
  let mainUsed = 3 + relayLength + 1;
  for (const piece of main ?? []) mainUsed += 2 + piece.value.length;

  const out = zeroed(Math.max(MIN_MESSAGE_LENGTH, HEADER_LENGTH + mainUsed));
  writeHeader(out, message, !usesSname, !usesFile);
  let position = HEADER_LENGTH;
  out[position++] = OPTION_OVERLOAD;
  out[position++] = 1;
  out[position++] = (usesFile ? 1 : 0) | (usesSname ? 2 : 0);
  for (const piece of main ?? []) position = writeInstance(out, position, piece.code, piece.value);
  if (relay !== undefined) position = writeInstances(out, position, OPTION_RELAY_AGENT_INFO, relay);
  out[position] = OPTION_END;
  if (usesFile) {
    position = OFFSET.file;
    for (const piece of file) position = writeInstance(out, position, piece.code, piece.value);
    out[position] = OPTION_END;
  }
  if (usesSname) {
    position = OFFSET.sname;
    for (const piece of sname) position = writeInstance(out, position, piece.code, piece.value);
    out[position] = OPTION_END;
  }
  return out;
}

/** Bytes left for the DHCP payload once IP and UDP headers are counted. */
function payloadLimit(maxMessageSize: number | undefined): number {
  const requested = maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (!Number.isFinite(requested)) throw new DhcpEncodeError(`maxMessageSize ${requested} is not a number`);
  return Math.max(requested, DEFAULT_MAX_MESSAGE_SIZE) - IP_UDP_HEADER_LENGTH;
}

/** Wire length of a value written as ⌈n/255⌉ instances (at least one, for empty values). */
function instancesLength(valueLength: number): number {
  const instances = valueLength === 0 ? 1 : Math.ceil(valueLength / MAX_INSTANCE_LENGTH);
  return valueLength + 2 * instances;
}

function checkOptionCode(code: number): void {
  if (!Number.isInteger(code) || code < 1 || code > 254 || code === OPTION_OVERLOAD) {
    throw new DhcpEncodeError(`option code ${code} cannot be set (0, 52 and 255 are written by the codec)`);
  }
}

function writeInstances(out: Buffer, start: number, code: number, value: Uint8Array): number {
  if (value.length <= MAX_INSTANCE_LENGTH) return writeInstance(out, start, code, value);
  let position = start;
  for (let offset = 0; offset < value.length; offset += MAX_INSTANCE_LENGTH) {
    position = writeInstance(out, position, code, value.subarray(offset, offset + MAX_INSTANCE_LENGTH));
  }
  return position;
}

function writeInstance(out: Buffer, position: number, code: number, value: Uint8Array): number {
  const length = value.length;
  out[position] = code;
  out[position + 1] = length;
  if (length > 16) out.set(value, position + 2);
  else for (let i = 0; i < length; i++) out[position + 2 + i] = value[i]!; // cheaper than set() for short values
  return position + 2 + length;
}

function writeHeader(
  out: Buffer,
  message: DhcpMessage,
  writeServerName: boolean,
  writeFileName: boolean,
): void {
  out[OFFSET.op] = message.op === 'BOOTREQUEST' ? 1 : message.op === 'BOOTREPLY' ? 2 : fail('op', message.op);
  out[OFFSET.htype] = checkUint(message.hardwareType, 0xff, 'hardwareType');
  out[OFFSET.hlen] = checkUint(message.hardwareAddressLength, CHADDR_LENGTH, 'hardwareAddressLength');
  out[OFFSET.hops] = checkUint(message.hops, 0xff, 'hops');
  out.writeUInt32BE(checkUint(message.transactionId, 0xffffffff, 'transactionId'), OFFSET.xid);
  out.writeUInt16BE(checkUint(message.secondsElapsed, 0xffff, 'secondsElapsed'), OFFSET.secs);
  out.writeUInt16BE(checkUint(message.flags, 0xffff, 'flags'), OFFSET.flags);
  writeIpv4(out, OFFSET.ciaddr, checkUint(message.clientIp, 0xffffffff, 'clientIp'));
  writeIpv4(out, OFFSET.yiaddr, checkUint(message.yourIp, 0xffffffff, 'yourIp'));
  writeIpv4(out, OFFSET.siaddr, checkUint(message.serverIp, 0xffffffff, 'serverIp'));
  writeIpv4(out, OFFSET.giaddr, checkUint(message.gatewayIp, 0xffffffff, 'gatewayIp'));
  if (message.clientHardwareAddress.length > CHADDR_LENGTH) {
    fail('clientHardwareAddress', `${message.clientHardwareAddress.length} bytes (at most 16)`);
  }
  out.set(message.clientHardwareAddress, OFFSET.chaddr);
  if (writeServerName) writeText(out, OFFSET.sname, SNAME_LENGTH, message.serverName, 'serverName');
  else if (message.serverName !== '') fail('serverName', 'sname carries options');
  if (writeFileName) writeText(out, OFFSET.file, FILE_LENGTH, message.bootFileName, 'bootFileName');
  else if (message.bootFileName !== '') fail('bootFileName', 'file carries options');
  out[OFFSET.cookie] = MAGIC_COOKIE[0];
  out[OFFSET.cookie + 1] = MAGIC_COOKIE[1];
  out[OFFSET.cookie + 2] = MAGIC_COOKIE[2];
  out[OFFSET.cookie + 3] = MAGIC_COOKIE[3];
}

function writeText(out: Buffer, offset: number, width: number, text: string, field: string): void {
  if (text.length > width) fail(field, `${text.length} characters, the field holds ${width}`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || c === 0) fail(field, `character ${i} is not latin1 or is NUL`);
    out[offset + i] = c;
  }
}

function checkUint(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    fail(field, `${value} is not an integer 0..${max}`);
  return value;
}

function fail(field: string, detail: string): never {
  throw new DhcpEncodeError(`${field}: ${detail}`);
}

/**
 * A zero-filled buffer from Node's pool: `Buffer.alloc` creates a fresh ArrayBuffer each time, which costs more
 * than the whole encode. The result may share its `.buffer` with other pooled buffers (use byteOffset/length).
 */
function zeroed(length: number): Buffer {
  return Buffer.allocUnsafe(length).fill(0);
}
