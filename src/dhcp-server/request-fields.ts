import type { Ipv4 } from '../dhcp/ipv4.js';
import { readOption } from '../dhcp/option-values.js';
import type { DhcpMessage } from '../dhcp/types.js';

/**
 * Minimal readers for the request options the engine needs on every packet. They read raw option bytes
 * directly (one Map lookup, no allocation) and treat a malformed value as absent, which is what a server
 * must do with a client's bad option (RFC 2131 §4.1 leaves unknown/odd options to be ignored).
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
} as const;

/** Option 53 value (1..8), or undefined when absent or not one byte. */
export function readMessageTypeCode(message: DhcpMessage): number | undefined {
  const value = message.options.get(OPTION.messageType);
  return value?.length === 1 ? value[0] : undefined;
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
  const value = message.options.get(OPTION.maxMessageSize);
  if (value?.length !== 2) return undefined;
  const size = ((value[0] ?? 0) << 8) | (value[1] ?? 0);
  return size >= 576 ? size : undefined;
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
