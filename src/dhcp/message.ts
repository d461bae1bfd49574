import { CHADDR_LENGTH } from './layout.js';
import type { DhcpMessage } from './types.js';

const HEX = '0123456789abcdef';

/**
 * The client hardware address as lowercase `aa:bb:cc:dd:ee:ff`, from `chaddr[0..hlen)` with `hlen` capped at
 * 16 (RFC 2131 §2). Empty string when hlen is 0.
 * @internal the tests read captured packets with it (the engine keys hosts by `chaddr` bytes).
 */
export function hardwareAddressText(message: DhcpMessage): string {
  const length = Math.min(message.hardwareAddressLength, CHADDR_LENGTH, message.clientHardwareAddress.length);
  let text = '';
  for (let i = 0; i < length; i++) {
    const byte = message.clientHardwareAddress[i]!;
    if (i > 0) text += ':';
    text += HEX[byte >> 4]! + HEX[byte & 0x0f]!;
  }
  return text;
}

/** The broadcast bit (0x8000) of `flags`: the client cannot receive unicast before it is configured (RFC 2131 §4.1). */
export function isBroadcastFlagSet(message: DhcpMessage): boolean {
  return (message.flags & BROADCAST_FLAG) !== 0;
}

/** Broadcast flag bit in `flags` (RFC 2131 §2, figure 2). */
export const BROADCAST_FLAG = 0x8000;
