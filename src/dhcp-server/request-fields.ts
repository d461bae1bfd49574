import type { Ipv4 } from '../common/ipv4.js';
import type { KnownOptionCode } from '../dhcp/option-table.js';
import { readOption } from '../dhcp/option-values.js';
import type { DhcpMessage, MessageTypeName } from '../dhcp/types.js';

/**
 * The request options the engine reads, through the option table's typed readers (`readOption`). A malformed
 * value counts as absent, which is what a server must do with a client's bad option (RFC 2131 §4.1 leaves
 * unknown/odd options to be ignored). Lists of codes and opaque bytes (55, 61) are read as the bytes they are.
 */

/** Option codes used by the engine (RFC 2132 section numbers in comments). */
export const OPTION = {
  subnetMask: 1, // §3.3
  router: 3, // §3.5
  dnsServer: 6, // §3.8
  hostname: 12, // §3.14
  domainName: 15, // §3.17
  broadcast: 28, // §5.3
  requestedIp: 50, // §9.1
  leaseTime: 51, // §9.2
  messageType: 53, // §9.6
  serverId: 54, // §9.7
  parameterRequestList: 55, // §9.8
  message: 56, // §9.9
  maxMessageSize: 57, // §9.10
  renewalTime: 58, // §9.11 (T1)
  rebindingTime: 59, // §9.12 (T2)
  clientId: 61, // §9.14
  relayAgentInfo: 82, // RFC 3046
} as const satisfies Record<string, KnownOptionCode>;

/** Option 53 (RFC 2132 §9.6), or undefined when absent or not a known type. */
export function readMessageType(message: DhcpMessage): MessageTypeName | undefined {
  const read = readOption(message, OPTION.messageType);
  return read.status === 'ok' ? read.value : undefined;
}

/** An address option (50, 54) read through the option table, or undefined when absent or malformed. */
export function readAddressOption(message: DhcpMessage, code: 50 | 54): Ipv4 | undefined {
  const read = readOption(message, code);
  return read.status === 'ok' ? read.value : undefined;
}

/** Option 55 as a list of codes, or undefined when the client sent none. */
export function readParameterRequestList(message: DhcpMessage): Uint8Array | undefined {
  return message.options.get(OPTION.parameterRequestList);
}

/** Option 57 (RFC 2132 §9.10), or undefined when absent, malformed, or below the 576-byte minimum. */
export function readMaxMessageSize(message: DhcpMessage): number | undefined {
  const read = readOption(message, OPTION.maxMessageSize);
  return read.status === 'ok' && read.value >= 576 ? read.value : undefined;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes as lower-case colon hex (`01:fa:16:3e:00:00:05`). */
export function colonHex(bytes: Uint8Array, length = bytes.length): string {
  let text = '';
  for (let i = 0; i < length; i++) text += (i === 0 ? '' : ':') + HEX[bytes[i] ?? 0];
  return text;
}

/** chaddr as the MAC text used as the host-table key (first `hlen` bytes, at most 16). */
export function macText(message: DhcpMessage): string {
  const length = Math.min(message.hardwareAddressLength, 16);
  return colonHex(message.clientHardwareAddress, length);
}

/** Option 61 as colon hex, or undefined when absent or empty. */
export function readClientId(message: DhcpMessage): string | undefined {
  const value = message.options.get(OPTION.clientId);
  return value === undefined || value.length === 0 ? undefined : colonHex(value);
}
