/**
 * The only errors the codec throws. Decoding never throws anything else (tested by fuzzing). Both are
 * catalog errors (`DHCP_DECODE_FAILED`, `DHCP_ENCODE_FAILED`) with typed fields for the codec's callers.
 */
import { QdhcpError } from '../common/errors.js';

/** The bytes are not a well-formed DHCPv4 message. `offset` is the byte where the problem was found. */
export class DhcpDecodeError extends QdhcpError {
  override readonly name = 'DhcpDecodeError';
  readonly offset: number;
  readonly reason: string;

  constructor(offset: number, reason: string) {
    super('DHCP_DECODE_FAILED', { offset, reason });
    this.offset = offset;
    this.reason = reason;
  }
}

/** The message cannot be written, e.g. a header field is out of range or the options do not fit. */
export class DhcpEncodeError extends QdhcpError {
  override readonly name = 'DhcpEncodeError';
  readonly reason: string;

  constructor(reason: string) {
    super('DHCP_ENCODE_FAILED', { reason });
    this.reason = reason;
  }
}
