/**
 * The only errors the DHCPv6 codec throws. Decoding never throws anything else (tested by fuzzing,
 * `fuzz.test.ts`). Both are catalog errors (`DHCPV6_DECODE_FAILED`, `DHCPV6_ENCODE_FAILED`) with typed
 * fields for the codec's callers, like the DHCPv4 codec's (`src/dhcp/errors.ts`).
 */
import { QdhcpError } from '../common/errors.js';

/** The bytes are not a well-formed DHCPv6 message. `offset` is the byte (of the outermost message) at fault. */
export class Dhcpv6DecodeError extends QdhcpError {
  override readonly name = 'Dhcpv6DecodeError';
  readonly offset: number;
  readonly reason: string;

  constructor(offset: number, reason: string) {
    super('DHCPV6_DECODE_FAILED', { offset, reason });
    this.offset = offset;
    this.reason = reason;
  }
}

/** The message cannot be written: a field out of range, an option over 65,535 bytes, a bad domain name. */
export class Dhcpv6EncodeError extends QdhcpError {
  override readonly name = 'Dhcpv6EncodeError';
  readonly reason: string;

  constructor(reason: string) {
    super('DHCPV6_ENCODE_FAILED', { reason });
    this.reason = reason;
  }
}
