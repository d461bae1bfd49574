import type { Logger } from '../common/logger.js';
import { DhcpDecodeError, decodeMessage, encodeMessage } from '../dhcp/index.js';
import { formatIpv4, readIpv4 } from '../dhcp/ipv4.js';
import type { DhcpMessage } from '../dhcp/types.js';
import { handleRequest } from '../dhcp-server/engine.js';
import { HostTable } from '../dhcp-server/host-table.js';
import type { ReplyDestination } from '../dhcp-server/reply-destination.js';
import type { Decision, EngineConfig, ServerTables } from '../dhcp-server/types.js';
import { Counters, RateLimiter } from './counters.js';
import { type LoadReport, loadTables } from './load-tables.js';
import type { ServeSettings } from './serve-options.js';
import type { PacketSource } from './transport.js';

/** Sends an encoded reply; the transport in production, a recorder in tests. */
export type SendReply = (bytes: Uint8Array, destination: ReplyDestination, sourceAddress: string) => void;

/** Per-MAC / per-source log lines at most once a minute. */
const LOG_INTERVAL_MS = 60_000;

/**
 * One running DHCP server: decodes packets, asks the engine, encodes and sends the reply, counts
 * everything and logs like dnsmasq. Holds the current tables as one reference, swapped atomically by
 * {@link DhcpService.reload}; a packet is always answered from one consistent table.
 */
export class DhcpService {
  readonly counters = new Counters();
  private tables: ServerTables;
  private readonly dropLog = new RateLimiter(LOG_INTERVAL_MS);
  private readonly decodeErrorLog = new RateLimiter(10_000);
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;

  constructor(
    private readonly settings: ServeSettings,
    private readonly config: EngineConfig,
    initialTables: ServerTables,
    private readonly logger: Logger,
    private readonly send: SendReply,
    private readonly now: () => number = Date.now,
  ) {
    this.tables = initialTables;
  }

  /** The tables answering right now (tests and the reload log use it). */
  get currentTables(): ServerTables {
    return this.tables;
  }

  /** Handles one datagram received on port 67. Never throws. */
  handlePacket(bytes: Buffer, source: PacketSource): void {
    let request: DhcpMessage;
    try {
      request = decodeMessage(bytes);
    } catch (error) {
      this.counters.increment('dropped.decode-error');
      if (this.decodeErrorLog.allow(source.address, this.now())) {
        const reason = error instanceof DhcpDecodeError ? error.message : String(error);
        const suppressed = this.decodeErrorLog.takeSuppressed(source.address);
        this.logger.warn(
          { event: 'dhcp.decode_error', source: source.address, suppressed, bytes: bytes.length },
          reason,
        );
      }
      return;
    }
    let decision: Decision;
    try {
      decision = handleRequest(request, this.config, this.tables, { trace: this.settings.logDhcp });
    } catch (error) {
      // The engine is pure and tested never to throw; if it does, that one request is lost, not the server.
      this.counters.increment('errors.engine');
      this.logger.error(
        { event: 'dhcp.engine_error', xid: request.transactionId },
        (error as Error).stack ?? String(error),
      );
      return;
    }
    this.counters.increment(`received.${decision.requestType ?? 'other'}`);
    if (decision.trace !== undefined) {
      for (const line of decision.trace) this.logger.info(`${request.transactionId} ${line}`);
    }
    if (decision.kind === 'drop') {
      this.onDrop(decision);
      return;
    }
    let encoded: Buffer;
    try {
      encoded = encodeMessage(decision.reply, { maxMessageSize: decision.maxMessageSize });
    } catch (error) {
      this.counters.increment('errors.encode');
      this.logger.warn({ event: 'dhcp.encode_error', mac: decision.mac }, (error as Error).message);
      return;
    }
    const serverId = decision.reply.options.get(54);
    // Reply from the address the client knows us by (option 54), so unicast and broadcast leave the right link.
    const sourceAddress = serverId?.length === 4 ? formatIpv4(readIpv4(serverId)) : '';
    this.send(encoded, decision.destination, sourceAddress);
    this.counters.increment(`sent.${decision.replyType}`);
    if (!this.settings.quietDhcp || decision.replyType === 'NAK') {
      const ip = decision.address;
      const name = decision.host?.name === undefined ? '' : ` ${decision.host.name}`;
      this.logger.info(
        {
          event: 'dhcp.reply',
          mac: decision.mac,
          request: decision.requestType,
          to: decision.destination.kind,
        },
        `DHCP${decision.replyType}(${this.config.interfaceName}) ${ip} ${decision.mac}${name}`,
      );
    }
  }

  private onDrop(decision: Extract<Decision, { kind: 'drop' }>): void {
    this.counters.increment(`dropped.${decision.reason}`);
    const line = `DHCP${decision.requestType ?? '?'}(${this.config.interfaceName}) ${decision.mac} ${decision.detail}`;
    switch (decision.reason) {
      case 'decline':
        this.logger.warn({ event: 'dhcp.decline', mac: decision.mac }, line);
        return;
      case 'release':
        if (!this.settings.quietDhcp) this.logger.info({ event: 'dhcp.release', mac: decision.mac }, line);
        return;
      case 'not-for-us':
        this.logger.debug({ event: 'dhcp.not_for_us', mac: decision.mac }, line);
        return;
      default: {
        const key = `${decision.reason}|${decision.mac}`;
        if (!this.dropLog.allow(key, this.now())) return;
        const suppressed = this.dropLog.takeSuppressed(key);
        this.logger.info({ event: `dhcp.drop.${decision.reason}`, mac: decision.mac, suppressed }, line);
      }
    }
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
          const previous = this.tables;
          this.tables = tables;
          // Packets are answered synchronously from `this.tables`: nothing holds the old tables now.
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
