/**
 * Malformed DNS messages for fuzzing: one seeded mutation of a real query (bit flips, overwritten bytes,
 * truncation, garbage tails, forged section counts, compression pointers, repeated slices, pure noise, or
 * the query unchanged). Used by the in-process fuzz (src/dns/fuzz.test.ts) and by the agent e2e, which
 * throws them at the DNS served in a DHCP namespace.
 */
export function mutate(seed: Buffer, random: () => number): Buffer {
  const int = (n: number): number => Math.floor(random() * n);
  const bytes = Buffer.from(seed);
  switch (int(9)) {
    case 0: // flip bits
      for (let i = 1 + int(4); i > 0; i--) {
        const at = int(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << int(8));
      }
      return bytes;
    case 1: // overwrite bytes
      for (let i = 1 + int(8); i > 0; i--) bytes[int(bytes.length)] = int(256);
      return bytes;
    case 2: // truncate
      return bytes.subarray(0, int(bytes.length));
    case 3: // append garbage
      return Buffer.concat([bytes, Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)))]);
    case 4: // random section counts
      bytes.writeUInt16BE(int(4) === 0 ? int(0x10000) : int(4), 4 + 2 * int(4));
      return bytes;
    case 5: {
      // a compression pointer somewhere in the question
      const at = 12 + int(Math.max(1, bytes.length - 13));
      if (at + 1 < bytes.length) {
        bytes[at] = 0xc0 | int(0x40);
        bytes[at + 1] = int(256);
      }
      return bytes;
    }
    case 6: {
      // a slice repeated
      const from = int(bytes.length);
      return Buffer.concat([bytes, bytes.subarray(from, from + 1 + int(40))]);
    }
    case 7: // pure noise
      return Buffer.from(Array.from({ length: int(600) }, () => int(256)));
    default: // the real query, unchanged
      return bytes;
  }
}
