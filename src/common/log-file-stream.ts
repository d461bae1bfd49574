import { writeSync } from 'node:fs';

/** Bytes kept before a write(): a DHCP reply line is ~230 bytes, so ~140 lines per write at most. */
const FLUSH_AT_BYTES = 32 * 1024;
/** Room for the lines of a burst over the threshold (a line of n UTF-16 units needs ≤ 3n bytes). */
const CAPACITY_BYTES = 64 * 1024;

/**
 * The destination of a logger that appends to a regular file (`qdhcp serve --log-facility=FILE`): lines are
 * copied into one reused buffer and written with a synchronous write() once 32 KiB are waiting (and by the
 * caller's timer, and at exit). pino's own destination (sonic-boom) cost a quarter of serve's CPU per DHCP
 * exchange (docs/performance.md, issue 17 item 3): asynchronously, each 4 KiB write went through libuv's
 * thread pool (a futex wake-up, a worker thread, an eventfd wake-up of the loop), and each line measured the
 * whole pending text again (`Buffer.byteLength` of a growing cons string). A write to a file does not block
 * on a reader as a pipe can, and dnsmasq writes its log file synchronously too.
 *
 * A failed write (ENOSPC, EIO…) drops the lines it held, like dnsmasq's lost log messages, and is reported
 * once on stderr: logging never throws into the packet loop.
 */
export class LogFileStream {
  private readonly buffer = Buffer.allocUnsafe(CAPACITY_BYTES);
  private used = 0;
  private failureReported = false;

  constructor(private readonly fd: number) {}

  /** Appends one line (pino's stream interface). */
  write(line: string): boolean {
    if (this.used + line.length * 3 > CAPACITY_BYTES) {
      this.flushSync();
      if (line.length * 3 > CAPACITY_BYTES) {
        this.writeAll(Buffer.from(line));
        return true;
      }
    }
    this.used += this.buffer.write(line, this.used);
    if (this.used >= FLUSH_AT_BYTES) this.flushSync();
    return true;
  }

  /** Writes what is waiting, now. */
  flushSync(): void {
    if (this.used === 0) return;
    const length = this.used;
    this.used = 0;
    this.writeAll(this.buffer.subarray(0, length));
  }

  /** The same as {@link flushSync} (pino's stream interface; the logger's timer calls it). */
  flush(): void {
    this.flushSync();
  }

  /** Bytes waiting for the next write (tests). */
  get pendingBytes(): number {
    return this.used;
  }

  private writeAll(bytes: Buffer): void {
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const written = writeSync(this.fd, bytes, offset, bytes.length - offset);
        if (written <= 0) throw new Error('write() wrote nothing');
        offset += written;
      }
    } catch (error) {
      if (this.failureReported) return;
      this.failureReported = true;
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      process.stderr.write(`qdhcp: writing the log file failed (${code}); lines are being dropped\n`);
    }
  }
}
