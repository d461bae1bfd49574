import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * The one logger factory: JSON lines on stderr (stdout stays free for command output).
 * Modules take a logger as a dependency and derive children with bindings (`networkId`, `mac`, `xid`);
 * pure modules (codecs, engine, IPAM) never log.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['QDHCP_LOG_LEVEL'] ?? 'info',
    base: options.name === undefined ? null : { name: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(config, pino.destination({ fd: 2, sync: false }));
}
