import type { Socket } from 'node:net';

/**
 * DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): every message is preceded by its length as a
 * 2-octet big-endian number, and one connection carries any number of messages.
 *
 * @module
 */

/** Prefixes `message` with its 2-octet length. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(2 + message.length);
  frame.writeUInt16BE(message.length, 0);
  frame.set(message, 2);
  return frame;
}

/**
 * Splits a byte stream into messages. Holds at most one partial message plus one chunk, so memory per
 * connection is bounded by 64 KiB plus the socket's read size.
 */
export class TcpMessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the complete messages it finished, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 2) {
      const length = this.pending.readUInt16BE(offset);
      if (this.pending.length - offset - 2 < length) break;
      messages.push(this.pending.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return messages;
  }

  /** Octets received that do not yet form a whole message. */
  get bufferedLength(): number {
    return this.pending.length;
  }
}

/** Calls `onMessage` for every framed message arriving on `socket`. */
export function readTcpMessages(socket: Socket, onMessage: (message: Buffer) => void): void {
  const splitter = new TcpMessageSplitter();
  socket.on('data', (chunk: Buffer) => {
    for (const message of splitter.push(chunk)) onMessage(message);
  });
}
