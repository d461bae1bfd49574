import { open, readFile } from 'node:fs/promises';
import { isQdhcpError, QdhcpError } from '../common/errors.js';
import type { HostsFileError } from '../dhcp-server/dnsmasq/hosts-file.js';
import { builderForSize, HostsScanner, type LoadedHosts } from '../dhcp-server/dnsmasq/hosts-loader.js';
import { type OptsFileError, parseOptsFile } from '../dhcp-server/dnsmasq/option-line.js';
import type { HostTableStats } from '../dhcp-server/host-table.js';
import type { OptionSetting } from '../dhcp-server/option-setting.js';
import type { ServerTables } from '../dhcp-server/types.js';

/** What a (re)load read, for the log line. */
export interface LoadReport {
  readonly hosts: HostTableStats;
  readonly hostErrors: readonly HostsFileError[];
  readonly hostsSkippedIpv6: number;
  readonly hostsSkippedNoAddress: number;
  readonly options: number;
  readonly optionErrors: readonly OptsFileError[];
  readonly optionsSkippedIpv6: number;
  readonly elapsedMs: number;
}

/** Lets other callbacks (packets) run between parse slices. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new QdhcpError('TABLES_LOAD_FAILED', {
      reason: `cannot read ${what} ${path}: ${(error as Error).message}`,
    });
  }
}

/**
 * Streams the hosts file through a 256 KiB buffer into the table, yielding to the event loop after each
 * chunk: no copy of the whole file is held (4 MB for 65k hosts), and packets are answered meanwhile.
 */
async function streamHosts(path: string): Promise<LoadedHosts> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new QdhcpError('TABLES_LOAD_FAILED', {
      reason: `cannot read hosts file ${path}: ${(error as Error).message}`,
    });
  }
  try {
    const { size } = await handle.stat();
    const scanner = new HostsScanner(builderForSize(size));
    let buffer = Buffer.allocUnsafe(256 * 1024);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2); // one line longer than the buffer
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      filled += bytesRead;
      const final = bytesRead === 0;
      const consumed = scanner.scanLines(buffer.subarray(0, filled), final);
      buffer.copy(buffer, 0, consumed, filled);
      filled -= consumed;
      if (final) return scanner.finish();
      await yieldToEventLoop();
    }
  } catch (error) {
    if (isQdhcpError(error, 'TABLES_LOAD_FAILED')) throw error;
    throw new QdhcpError('TABLES_LOAD_FAILED', {
      reason: `cannot read hosts file ${path}: ${(error as Error).message}`,
    });
  } finally {
    await handle.close();
  }
}

function nonEmptyLineCount(text: string): number {
  let count = 0;
  for (const line of text.split('\n'))
    if (line.trim().length > 0 && !line.trimStart().startsWith('#')) count++;
  return count;
}

/**
 * Reads and parses the hosts and opts files into new tables, off the hot path: file reads are async and the
 * hosts file is parsed in slices that yield to the event loop, so packets keep being answered from the
 * current tables meanwhile. Bad lines are skipped (and reported); a file that cannot be read, or in which
 * no line at all is usable, is an error and the caller keeps its current tables.
 */
export async function loadTables(
  hostsFile: string | undefined,
  optsFile: string | undefined,
  commandLineOptions: readonly OptionSetting[],
): Promise<{ tables: ServerTables; report: LoadReport }> {
  const started = performance.now();
  const optsBytes = optsFile === undefined ? Buffer.alloc(0) : await readBytes(optsFile, 'opts file');
  const optsText = optsBytes.toString('utf8');
  const hosts =
    hostsFile === undefined ? new HostsScanner(builderForSize(0)).finish() : await streamHosts(hostsFile);
  if (
    hosts.table.stats.entries === 0 &&
    hosts.errors.length > 0 &&
    hosts.errors.length === hosts.contentLines
  ) {
    throw new QdhcpError('TABLES_LOAD_FAILED', {
      reason: `hosts file ${hostsFile}: no usable line (first error: line ${hosts.errors[0]?.line}: ${hosts.errors[0]?.reason})`,
    });
  }
  const opts = parseOptsFile(optsText, 'opts');
  if (
    opts.settings.length === 0 &&
    opts.errors.length > 0 &&
    opts.errors.length === nonEmptyLineCount(optsText)
  ) {
    throw new QdhcpError('TABLES_LOAD_FAILED', {
      reason: `opts file ${optsFile}: no usable line (first error: line ${opts.errors[0]?.line}: ${opts.errors[0]?.reason})`,
    });
  }
  const table = hosts.table;
  return {
    tables: { hosts: table, options: [...commandLineOptions, ...opts.settings] },
    report: {
      hosts: table.stats,
      hostErrors: hosts.errors,
      hostsSkippedIpv6: hosts.skippedIpv6,
      hostsSkippedNoAddress: hosts.skippedNoAddress,
      options: opts.settings.length,
      optionErrors: opts.errors,
      optionsSkippedIpv6: opts.skippedIpv6,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    },
  };
}
