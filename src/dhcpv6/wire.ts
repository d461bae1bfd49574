/** Fixed-width fields of DHCPv6: big-endian integers and 16-byte IPv6 addresses as `bigint` (as in `ipam/`). */

export function readU16(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

export function readU32(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

export function readAddress(data: Uint8Array, at: number): bigint {
  let value = 0n;
  for (let i = 0; i < 16; i += 4) value = (value << 32n) | BigInt(readU32(data, at + i));
  return value;
}

/** A growable byte sink for the encoder. */
export class ByteWriter {
  private buffer = new Uint8Array(512);
  length = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  u8(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value & 0xff;
  }

  u16(value: number): void {
    this.u8(value >>> 8);
    this.u8(value);
  }

  u32(value: number): void {
    this.u16(value >>> 16);
    this.u16(value & 0xffff);
  }

  address(value: bigint): void {
    for (let shift = 120n; shift >= 0n; shift -= 8n) this.u8(Number((value >> shift) & 0xffn));
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** Writes a 16-bit placeholder and returns its position, for lengths known only afterwards. */
  placeholder16(): number {
    this.u16(0);
    return this.length - 2;
  }

  patch16(at: number, value: number): void {
    this.buffer[at] = value >>> 8;
    this.buffer[at + 1] = value & 0xff;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
