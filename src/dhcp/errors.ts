/**
 * The only errors the codec throws. Decoding never throws anything else (tested by fuzzing).
 */

/** The bytes are not a well-formed DHCPv4 message. `offset` is the byte where the problem was found. */
export class DhcpDecodeError extends Error {
  override readonly name = 'DhcpDecodeError';
  readonly offset: number;
  readonly reason: string;

  constructor(offset: number, reason: string) {
    super(`DHCP decode error at byte ${offset}: ${reason}`);
    this.offset = offset;
    this.reason = reason;
  }
}

/** The message cannot be written, e.g. a header field is out of range or the options do not fit. */
export class DhcpEncodeError extends Error {
  override readonly name = 'DhcpEncodeError';
  readonly reason: string;

  constructor(reason: string) {
    super(`DHCP encode error: ${reason}`);
    this.reason = reason;
  }
}
