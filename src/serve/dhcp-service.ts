import type { Logger } from '../common/logger.js';
import type { Counters } from '../dhcp-server/counters.js';
import { HostTable } from '../dhcp-server/host-table.js';
import {
  type DatagramBatch,
  PacketLoop,
  type SendReply,
  type ServedState,
} from '../dhcp-server/packet-loop.js';
import type { EngineConfig, ServerTables } from '../dhcp-server/types.js';
import { type LoadReport, loadTables } from './load-tables.js';
import { replyLineWriter } from './reply-log-line.js';
import type { ServeSettings } from './serve-options.js';
import type { PacketSource } from './transport.js';

export type { SendReply } from '../dhcp-server/packet-loop.js';

/**
 * One running DHCP server: the shared {@link PacketLoop} (decode, engine, encode, send, counters, dnsmasq-style
 * logs) over tables loaded from the hosts and opts files. Holds the current tables as one reference, swapped
 * atomically by {@link DhcpService.reload}; a packet is always answered from one consistent table.
 */
export class DhcpService {
  /** Replaced as one reference by a reload; the loop reads it per packet. */
  private served: ServedState;
  private readonly loop: PacketLoop;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;

  constructor(
    private readonly settings: ServeSettings,
    config: EngineConfig,
    initialTables: ServerTables,
    private readonly logger: Logger,
    send: SendReply,
    now: () => number = Date.now,
  ) {
    this.served = { config, tables: initialTables };
    this.loop = new PacketLoop(() => this.served, send, {
      logger,
      replyLine: replyLineWriter(logger),
      quietDhcp: settings.quietDhcp,
      trace: settings.logDhcp
        ? (xid, lines) => {
            for (const line of lines) logger.info(`${xid} ${line}`);
          }
        : undefined,
      now,
    });
  }

  /** Received, sent, dropped and error counts. */
  get counters(): Counters {
    return this.loop.counters;
  }

  /** The tables answering right now (tests and the reload log use it). */
  get currentTables(): ServerTables {
    return this.served.tables;
  }

  /** Handles the datagrams of one received batch (batched-transport.ts). Never throws. */
  handleBatch(count: number, batch: DatagramBatch): void {
    this.loop.handleBatch(count, batch);
  }

  /** Handles one datagram received on port 67. Never throws. */
  handlePacket(bytes: Buffer, source: PacketSource): void {
    this.loop.handlePacket(bytes, source.address);
  }

  /**
   * Re-reads the hosts and opts files and swaps the tables in one assignment. Parsing yields to the event
   * loop, so requests keep being answered from the old tables until the swap. On error the old tables stay.
   * A reload requested while one runs is queued (once), so the latest files always win.
   */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    const run = async (): Promise<void> => {
      do {
        this.reloadAgain = false;
        try {
          const { tables, report } = await loadTables(
            this.settings.hostsFile,
            this.settings.optsFile,
            this.settings.commandLineOptions,
          );
          const previous = this.served.tables;
          this.served = { config: this.served.config, tables };
          // Packets are answered synchronously from `this.served`: nothing holds the old tables now.
          if (previous.hosts instanceof HostTable) {
            previous.hosts.release();
            // A scavenge (well under 1 ms) frees what release() gave up; an idle server would not run one
            // for a long time. `gc` exists when bin/qdhcp passed --expose-gc.
            globalThis.gc?.({ type: 'minor' });
          }
          this.counters.increment('reloads.ok');
          this.logReport('reloaded hosts and options', report);
        } catch (error) {
          this.counters.increment('reloads.failed');
          this.logger.error(
            { event: 'serve.reload_failed' },
            `reload failed, keeping the previous tables: ${(error as Error).message}`,
          );
        }
      } while (this.reloadAgain);
    };
    this.reloading = run().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /** Logs what a load produced, including the first bad lines. */
  logReport(message: string, report: LoadReport): void {
    this.logger.info(
      {
        event: 'serve.tables_loaded',
        hosts: report.hosts.entries,
        macs: report.hosts.macs,
        clientIds: report.hosts.clientIds,
        duplicateAddresses: report.hosts.duplicateAddresses,
        hostErrors: report.hostErrors.length,
        hostsSkippedIpv6: report.hostsSkippedIpv6,
        hostsSkippedNoAddress: report.hostsSkippedNoAddress,
        options: report.options,
        optionErrors: report.optionErrors.length,
        optionsSkippedIpv6: report.optionsSkippedIpv6,
        elapsedMs: report.elapsedMs,
      },
      message,
    );
    for (const error of report.hostErrors.slice(0, 10)) {
      this.logger.warn(
        { event: 'serve.bad_host_line', line: error.line, text: error.text },
        `hosts file line ${error.line}: ${error.reason}`,
      );
    }
    for (const error of report.optionErrors.slice(0, 10)) {
      this.logger.warn(
        { event: 'serve.bad_option_line', line: error.line, text: error.text },
        `opts file line ${error.line}: ${error.reason}`,
      );
    }
  }

  /** Logs the counters (periodic summary, SIGUSR1, exit). */
  logCounters(reason: string): void {
    this.logger.info(
      { event: 'serve.counters', reason, counters: this.counters.snapshot() },
      `counters (${reason})`,
    );
  }

  /** Waits for a running reload (used at shutdown). */
  async settle(): Promise<void> {
    await this.reloading;
  }
}
