import { encodeName } from './domain-names.js';
import { encodeDuid } from './duid.js';
import { Dhcpv6EncodeError } from './errors.js';
import { messageTypeCode } from './message-types.js';
import { optionCode } from './option-table.js';
import type { Dhcpv6Message, Dhcpv6Option } from './types.js';
import { ByteWriter } from './wire.js';

const MAX_ADDRESS = (1n << 128n) - 1n;
const UTF8 = new TextEncoder();

function checkInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Dhcpv6EncodeError(`${name} ${value} is not an integer in 0..${max}`);
  }
}

function checkAddress(name: string, value: bigint): void {
  if (value < 0n || value > MAX_ADDRESS) throw new Dhcpv6EncodeError(`${name} is not a 128-bit address`);
}

/**
 * Encodes a message to its UDP payload: the inverse of `decodeMessage` (for every decoded message,
 * `decodeMessage(encodeMessage(m))` equals `m` and the bytes are the original ones, `roundtrip.property.test.ts`).
 * Options are written in the order given; lengths are computed.
 *
 * @throws {Dhcpv6EncodeError} for a field out of range, an option value over 65,535 bytes or a bad domain name.
 * @example
 * encodeMessage({ kind: 'client-server', type: 'REPLY', transactionId: 0x8eb929, options: [...] });
 */
export function encodeMessage(message: Dhcpv6Message): Uint8Array {
  const writer = new ByteWriter();
  writeMessage(writer, message);
  return writer.result();
}

function writeMessage(writer: ByteWriter, message: Dhcpv6Message): void {
  writer.u8(messageTypeCode(message.type));
  if (message.kind === 'relay') {
    checkInteger('hop count', message.hopCount, 0xff);
    checkAddress('link-address', message.linkAddress);
    checkAddress('peer-address', message.peerAddress);
    writer.u8(message.hopCount);
    writer.address(message.linkAddress);
    writer.address(message.peerAddress);
  } else {
    checkInteger('transaction id', message.transactionId, 0xffffff);
    writer.u8(message.transactionId >>> 16);
    writer.u16(message.transactionId & 0xffff);
  }
  writeOptions(writer, message.options);
}

function writeOptions(writer: ByteWriter, options: readonly Dhcpv6Option[]): void {
  for (const option of options) {
    const code = optionCode(option);
    checkInteger('option code', code, 0xffff);
    writer.u16(code);
    const lengthAt = writer.placeholder16();
    const valueStart = writer.length;
    writeValue(writer, option);
    const length = writer.length - valueStart;
    if (length > 0xffff) throw new Dhcpv6EncodeError(`option ${code} value of ${length} bytes exceeds 65535`);
    writer.patch16(lengthAt, length);
  }
}

function writeValue(writer: ByteWriter, option: Dhcpv6Option): void {
  switch (option.type) {
    case 'client-id':
    case 'server-id':
      encodeDuid(writer, option.duid);
      return;
    case 'ia-na':
    case 'ia-pd':
      checkInteger('IAID', option.iaid, 0xffffffff);
      checkInteger('T1', option.t1, 0xffffffff);
      checkInteger('T2', option.t2, 0xffffffff);
      writer.u32(option.iaid);
      writer.u32(option.t1);
      writer.u32(option.t2);
      writeOptions(writer, option.options);
      return;
    case 'ia-ta':
      checkInteger('IAID', option.iaid, 0xffffffff);
      writer.u32(option.iaid);
      writeOptions(writer, option.options);
      return;
    case 'ia-addr':
      checkAddress('IA address', option.address);
      checkInteger('preferred lifetime', option.preferredLifetime, 0xffffffff);
      checkInteger('valid lifetime', option.validLifetime, 0xffffffff);
      writer.address(option.address);
      writer.u32(option.preferredLifetime);
      writer.u32(option.validLifetime);
      writeOptions(writer, option.options);
      return;
    case 'ia-prefix':
      checkInteger('preferred lifetime', option.preferredLifetime, 0xffffffff);
      checkInteger('valid lifetime', option.validLifetime, 0xffffffff);
      checkInteger('prefix length', option.prefixLength, 0xff);
      checkAddress('prefix', option.prefix);
      writer.u32(option.preferredLifetime);
      writer.u32(option.validLifetime);
      writer.u8(option.prefixLength);
      writer.address(option.prefix);
      writeOptions(writer, option.options);
      return;
    case 'oro':
      for (const code of option.requested) {
        checkInteger('requested option', code, 0xffff);
        writer.u16(code);
      }
      return;
    case 'preference':
      checkInteger('preference', option.preference, 0xff);
      writer.u8(option.preference);
      return;
    case 'elapsed-time':
      checkInteger('elapsed time', option.centiseconds, 0xffff);
      writer.u16(option.centiseconds);
      return;
    case 'relay-message':
      writeMessage(writer, option.message);
      return;
    case 'status-code':
      checkInteger('status code', option.status, 0xffff);
      writer.u16(option.status);
      writer.bytes(UTF8.encode(option.message));
      return;
    case 'rapid-commit':
      return;
    case 'dns-server':
      for (const server of option.servers) {
        checkAddress('DNS server', server);
        writer.address(server);
      }
      return;
    case 'domain-search':
      for (const name of option.domains) encodeName(writer, name);
      return;
    case 'information-refresh-time':
      checkInteger('information refresh time', option.seconds, 0xffffffff);
      writer.u32(option.seconds);
      return;
    case 'client-linklayer-addr':
      checkInteger('hardware type', option.hardwareType, 0xffff);
      writer.u16(option.hardwareType);
      writer.bytes(option.address);
      return;
    case 'unknown':
      writer.bytes(option.data);
  }
}
