import { writeSync } from 'node:fs';

/** Characters kept before a write(): a DHCP reply line is ~230, so ~140 lines per write. */
const FLUSH_AT_CHARACTERS = 32 * 1024;

/**
 * The destination of a logger that appends to a regular file (`qdhcp serve --log-facility=FILE`): lines are
 * appended to one pending string and written with a synchronous write() once 32 Ki characters wait (and by
 * the caller's timer, and at exit). pino's own destination (sonic-boom) cost a quarter of serve's CPU per DHCP
 * exchange (docs/performance.md, issue 17 item 3): asynchronously, each 4 KiB write went through libuv's
 * thread pool (a futex wake-up, a worker thread, an eventfd wake-up of the loop), and each line measured the
 * whole pending text again (`Buffer.byteLength` of a growing cons string). Here a line costs a string
 * append (copying each into a Buffer cost a native call per line); the text is encoded once per write. A
 * write to a file does not block on a reader as a pipe can, and dnsmasq writes its log file synchronously too.
 *
 * A failed write (ENOSPC, EIO…) drops the lines it held, like dnsmasq's lost log messages, and is reported
 * once on stderr: logging never throws into the packet loop.
 */
export class LogFileStream {
  private pending = '';
  private failureReported = false;

  constructor(private readonly fd: number) {}

  /** Appends one line (pino's stream interface). */
  write(line: string): boolean {
    this.pending += line;
    if (this.pending.length >= FLUSH_AT_CHARACTERS) this.flushSync();
    return true;
  }

  /** Writes what is waiting, now. */
  flushSync(): void {
    if (this.pending === '') return;
    const bytes = Buffer.from(this.pending);
    this.pending = '';
    this.writeAll(bytes);
  }

  /** The same as {@link flushSync} (pino's stream interface; the logger's timer calls it). */
  flush(): void {
    this.flushSync();
  }

  /** Characters waiting for the next write (tests). */
  get pendingCharacters(): number {
    return this.pending.length;
  }

  private writeAll(bytes: Buffer): void {
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const written = writeSync(this.fd, bytes, offset, bytes.length - offset);
        if (written <= 0) {
          this.reportFailure('write() wrote nothing');
          return;
        }
        offset += written;
      }
    } catch (error) {
      this.reportFailure((error as NodeJS.ErrnoException).code ?? String(error));
    }
  }

  /** Once per stream: lines are dropped from now on rather than throwing into the packet loop. */
  private reportFailure(why: string): void {
    if (this.failureReported) return;
    this.failureReported = true;
    process.stderr.write(`qdhcp: writing the log file failed (${why}); lines are being dropped\n`);
  }
}
