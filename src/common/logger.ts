import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { LogFileStream } from './log-file-stream.js';

export type { Logger };

export interface LoggerFactoryOptions {
  readonly level?: string | undefined;
  readonly name?: string | undefined;
  /** Append JSON lines to this file instead of stderr (e.g. `qdhcp serve --log-facility=FILE`). */
  readonly file?: string | undefined;
}

/** Buffered bytes before a write to stderr: per-exchange log lines cost one write() per 4 KiB, not one per line. */
const BUFFER_BYTES = 4096;
/** How long a line may wait in the buffer when traffic is low. */
const FLUSH_INTERVAL_MS = 1000;

/** `000`…`999`: the milliseconds of a timestamp without formatting a number per line. */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

/**
 * pino's ISO timestamp field (`,"time":"2026-12-04T14:00:00.123Z"`): Date#toISOString runs once per second
 * for the part up to the seconds and the milliseconds come from a table. A busy DHCP server writes a line
 * per reply, thousands a second, mostly in different milliseconds; toISOString per line (a Date object,
 * the runtime's formatting) was 4 % of its profile, and still ~1 % when it was cached per millisecond.
 * @internal exported for its test
 */
export function isoTimeField(): () => string {
  let lastSecond = Number.NaN;
  let secondPrefix = '';
  return () => {
    const now = Date.now();
    const ms = now % 1000;
    const second = now - ms;
    if (second !== lastSecond) {
      lastSecond = second;
      // `…T14:00:00.` (20 characters) of a year 0–9999 date: pino's own format, as before.
      secondPrefix = `,"time":"${new Date(second).toISOString().slice(0, 20)}`;
    }
    return `${secondPrefix}${MILLIS[ms]}Z"`;
  };
}

/**
 * Where lines go: a file opened for appending now (not asynchronously, so a flush right after start or at an
 * early exit has somewhere to go, and a bad path fails at start-up) through {@link LogFileStream}, or stderr
 * through pino's asynchronous destination (a pipe's reader may be slow; a file is not).
 */
function openDestination(file: string | undefined): {
  write(line: string): unknown;
  flush(): void;
  flushSync(): void;
} {
  if (file === undefined) return pino.destination({ dest: 2, sync: false, minLength: BUFFER_BYTES });
  mkdirSync(dirname(file), { recursive: true });
  return new LogFileStream(openSync(file, 'a'));
}

/**
 * The one logger factory: JSON lines on stderr (stdout stays free for command output) or appended to a
 * file. Writes are buffered and flushed every second and at exit: a DHCP server logs per exchange, and a
 * write() per line was the largest cost we control on the packet path (profiled: ~14 µs per line).
 * Modules take a logger as a dependency and derive children with bindings (`networkId`, `mac`, `xid`);
 * pure modules (codecs, engine, IPAM) never log. `flush()` writes what is buffered, synchronously.
 */
export function createLogger(options: LoggerFactoryOptions = {}): Logger & { flushBuffered(): void } {
  const config: LoggerOptions = {
    level: options.level ?? process.env['QDHCP_LOG_LEVEL'] ?? 'info',
    base: options.name === undefined ? null : { name: options.name },
    timestamp: isoTimeField(),
  };
  const destination = openDestination(options.file);
  const flushBuffered = (): void => {
    try {
      destination.flushSync();
    } catch {
      // nothing buffered yet, or the destination is closing
    }
  };
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  process.once('exit', flushBuffered);
  return Object.assign(pino(config, destination), { flushBuffered });
}

/**
 * Writes, for `logger`, the line `logger.info(fields, message)` would write, from parts the caller serialized
 * itself: `fieldsJson` is `,"key":value` pairs (JSON), `messageJson` the quoted message (JSON string). The
 * per-reply DHCP line was 12 % of `qdhcp serve`'s busy time through pino's generic path (docs/performance.md,
 * issue 17 item 3); this costs one string concatenation and the stream's buffered write. The output is
 * byte-identical to pino's for loggers without mixins, formatters, hooks or a message prefix (createLogger
 * makes none): it reads pino's own level, bindings, time function and stream (`pino.symbols`), so a child
 * logger's bindings and a level change apply. Returns undefined for any other logger: use the ordinary call.
 */
export function prebuiltInfoWriter(
  logger: Logger,
): ((fieldsJson: string, messageJson: string) => void) | undefined {
  const symbols = pino.symbols;
  const record = logger as unknown as Record<symbol, unknown>;
  const stream = record[symbols.streamSym] as { write(line: string): unknown } | undefined;
  const time = record[symbols.timeSym];
  const hooks = record[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const formatters = record[symbols.formattersSym] as { log?: unknown } | undefined;
  const plain =
    stream !== undefined &&
    typeof time === 'function' &&
    record[symbols.mixinSym] === undefined &&
    logger.msgPrefix === undefined &&
    record[symbols.messageKeySym] === 'msg' &&
    record[symbols.nestedKeySym] == null &&
    hooks?.logMethod === undefined &&
    hooks?.streamWrite === undefined &&
    formatters?.log === undefined;
  if (!plain || stream === undefined) return undefined;
  const timeField = time as () => string;
  const info = logger.levels.values['info'] ?? 30;
  return (fieldsJson, messageJson) => {
    if (logger.levelVal > info) return;
    const bindings = record[symbols.chindingsSym] as string;
    stream.write(`{"level":${info}${timeField()}${bindings}${fieldsJson},"msg":${messageJson}}\n`);
  };
}
