import { unlink, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { isQdhcpError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { RateLimiter } from '../dhcp-server/counters.js';
import { readInterfaceAddresses } from '../linux/interface-addresses.js';
import { BatchedDhcpTransport, type BatchedTransportHandlers } from './batched-transport.js';
import { DhcpService } from './dhcp-service.js';
import { loadTables } from './load-tables.js';
import { engineConfig, type RawServeOptions, resolveServeSettings } from './serve-options.js';
import { DhcpTransport, type TransportHandlers } from './transport.js';

/** dnsmasq flags Neutron or the bench pass that this server does not need; accepted, logged at debug. */
export const IGNORED_FLAGS = [
  'hosts', // --no-hosts
  'resolv', // --no-resolv
  'strictOrder',
  'bindDynamic',
  'bindInterfaces',
  'exceptInterface',
  'localService',
  'confFile',
  'addnHosts',
  'dhcpLeasefile',
  'leasefileRo',
  'server',
  'dhcpAuthoritative',
  'dhcpBroadcast',
  'logQueries',
  'keepInForeground',
  'bridgeInterface',
] as const;

const SUMMARY_INTERVAL_MS = 5 * 60_000;

/** Process memory in MiB (RSS, V8 heap, array buffers), for the start log line. */
function memoryMiB(): Record<string, number> {
  const usage = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
  return {
    rss: mib(usage.rss),
    heapUsed: mib(usage.heapUsed),
    heapTotal: mib(usage.heapTotal),
    arrayBuffers: mib(usage.arrayBuffers),
  };
}

/** The log destination: `--log-facility=FILE` (appended, as dnsmasq does) or JSON on stderr. */
function makeLogger(logFacility: string | undefined): { logger: Logger; flush: () => void } {
  const toStderr =
    logFacility === undefined ||
    logFacility === '-' ||
    logFacility.startsWith('DAEMON') ||
    logFacility.startsWith('LOCAL');
  const logger = createLogger({ name: 'serve', file: toStderr ? undefined : logFacility });
  return { logger, flush: () => logger.flushBuffered() };
}

/**
 * Runs `qdhcp serve` until SIGTERM/SIGINT: loads the files, binds port 67 on the interface's addresses,
 * answers, reloads on SIGHUP, dumps counters on SIGUSR1. Returns the exit status (0, 1 runtime failure,
 * 2 bad command line). `early.hup` says a SIGHUP arrived before this function ran (see the serve command).
 */
export async function runServe(
  raw: RawServeOptions,
  early: { readonly hup: boolean } = { hup: false },
): Promise<number> {
  let settings: ReturnType<typeof resolveServeSettings>;
  try {
    settings = resolveServeSettings(raw);
  } catch (error) {
    if (isQdhcpError(error, 'SERVE_CONFIG_INVALID')) {
      process.stderr.write(`qdhcp serve: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const started = performance.now();
  const { logger, flush } = makeLogger(settings.logFacility);
  for (const flag of IGNORED_FLAGS) {
    // --no-hosts / --no-resolv arrive as hosts=false / resolv=false (commander's negatable options).
    const given = flag === 'hosts' || flag === 'resolv' ? raw[flag] === false : raw[flag] !== undefined;
    if (given) {
      logger.debug({ event: 'serve.flag_ignored', flag }, `ignoring dnsmasq flag ${flag}`);
    }
  }
  if (settings.leaseMax !== undefined)
    logger.debug(
      { leaseMax: settings.leaseMax },
      '--dhcp-lease-max accepted; static bindings need no lease table',
    );
  if (settings.ipv6RangesSkipped > 0)
    logger.info({ count: settings.ipv6RangesSkipped }, 'IPv6 --dhcp-range ignored (DHCPv4 server)');

  // A SIGHUP during start-up (the agent rewrote the files meanwhile) must not kill us (node's default for
  // SIGHUP is to exit): remember it and reload once serving.
  let hupDuringStartup = false;
  const onEarlyHup = (): void => {
    hupDuringStartup = true;
  };
  process.on('SIGHUP', onEarlyHup);
  let transport: { close(): void } | undefined;
  try {
    const addresses = await readInterfaceAddresses(settings.interfaceName);
    const config = engineConfig(settings, addresses);
    const { tables, report } = await loadTables(
      settings.hostsFile,
      settings.optsFile,
      settings.commandLineOptions,
    );
    let service: DhcpService | undefined;
    const sendErrorLog = new RateLimiter(10_000);
    const onSendError = (error: Error): void => {
      service?.counters.increment('errors.send');
      if (sendErrorLog.allow('send', Date.now())) logger.warn({ event: 'dhcp.send_error' }, error.message);
    };
    const opened = await openTransport(
      addresses.map((a) => a.address),
      {
        onBatch: (count, batch) => service?.handleBatch(count, batch),
        onPacket: (bytes, source) => service?.handlePacket(bytes, source),
        onSendDropped: (count) => service?.counters.increment('errors.send', count),
        onBroadcastInstead: (count) => service?.counters.increment('errors.neighbour', count),
        onReceiveError: (error) => {
          service?.counters.increment('errors.receive');
          if (sendErrorLog.allow('receive', Date.now()))
            logger.warn({ event: 'dhcp.receive_error' }, error.message);
        },
        onSendError,
      },
      settings.dhcpHoldMs,
      logger,
    );
    transport = opened;
    service = new DhcpService(settings, config, tables, logger, (bytes, destination, source) =>
      opened.send(bytes, destination, source),
    );
    service.logReport('loaded hosts and options', report);
    if (settings.pidFile !== undefined) await writeFile(settings.pidFile, `${process.pid}\n`);
    logger.info(
      {
        event: 'serve.started',
        interface: settings.interfaceName,
        subnets: config.subnets.map((s) => ({ subnet: s.label, tag: s.tag, onLink: s.onLink })),
        startupMs: Math.round(performance.now() - started),
        memoryMiB: memoryMiB(),
      },
      `DHCP, static leases only on ${config.subnets.map((s) => s.label).join(', ')}, serving on ${settings.interfaceName}`,
    );
    const stopped = waitForStop(service, logger);
    process.off('SIGHUP', onEarlyHup);
    if (hupDuringStartup || early.hup) {
      logger.info({ event: 'serve.sighup' }, 'SIGHUP received during start-up: reloading hosts and options');
      void service.reload();
    }
    await stopped;
    await service.settle();
    service.logCounters('exit');
    return 0;
  } catch (error) {
    logger.error({ event: 'serve.failed' }, (error as Error).message);
    process.stderr.write(`qdhcp serve: ${(error as Error).message}\n`);
    return isQdhcpError(error, 'SERVE_CONFIG_INVALID') ? 2 : 1;
  } finally {
    process.off('SIGHUP', onEarlyHup);
    transport?.close();
    if (settings.pidFile !== undefined) await unlink(settings.pidFile).catch(() => undefined);
    flush();
  }
}

/**
 * The batched sockets (recvmmsg/sendmmsg, batched-transport.ts) when the netns addon can open them, else
 * node:dgram's (transport.ts): the addon enters the namespace it opens a socket in, its own here, which
 * needs CAP_SYS_ADMIN that a serve run by hand as a normal user lacks. Both answer the same; the log says
 * which one runs.
 */
async function openTransport(
  addresses: readonly string[],
  handlers: BatchedTransportHandlers & TransportHandlers,
  holdMs: number,
  logger: Logger,
): Promise<BatchedDhcpTransport | DhcpTransport> {
  try {
    const batched = BatchedDhcpTransport.open(addresses, handlers, { holdMs });
    logger.debug({ event: 'serve.transport', kind: 'recvmmsg' }, 'batched sockets (recvmmsg/sendmmsg)');
    return batched;
  } catch (error) {
    logger.info(
      { event: 'serve.transport', kind: 'dgram', reason: (error as Error).message },
      'batched sockets unavailable, using node:dgram',
    );
    return DhcpTransport.open(addresses, handlers);
  }
}

/** Wires signals until SIGTERM or SIGINT; removes the handlers afterwards. */
function waitForStop(service: DhcpService, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const onHup = (): void => {
      logger.info({ event: 'serve.sighup' }, 'SIGHUP: reloading hosts and options');
      void service.reload();
    };
    const onUsr1 = (): void => service.logCounters('SIGUSR1');
    const summary = setInterval(() => {
      if (service.counters.total() > 0) service.logCounters('periodic');
    }, SUMMARY_INTERVAL_MS);
    summary.unref();
    const onStop = (signal: NodeJS.Signals): void => {
      logger.info({ event: 'serve.stopping', signal }, `${signal}: stopping`);
      process.off('SIGHUP', onHup);
      process.off('SIGUSR1', onUsr1);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      clearInterval(summary);
      resolve();
    };
    process.on('SIGHUP', onHup);
    process.on('SIGUSR1', onUsr1);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}
