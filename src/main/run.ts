/**
 * Running long-lived components from the CLI: configuration errors exit 2 with a clear message, and
 * SIGINT/SIGTERM stop every started component (in reverse order) before the process exits.
 *
 * @module
 */
import { type Bus, createInProcessBus } from '../bus/index.js';
import { loadConfig, type ServerConfig } from '../common/config.js';
import { isQdhcpError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';

/** Something started that must be stopped on shutdown. */
export interface Stoppable {
  close(): Promise<void>;
}

/** What every component of one process shares. */
export interface ProcessContext {
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** The process's bus: components of one process (server, DHCP agent) talk over it. */
  readonly bus: Bus;
}

/** Starts one component of a process. */
export type ComponentStarter = (context: ProcessContext) => Promise<Stoppable>;

/** The bus named by `transport_url` (only the in-process transport exists today). */
export function createBus(config: ServerConfig, logger: Logger): Bus {
  if (!config.transportUrl.startsWith('inprocess:'))
    throw new Error(`unsupported transport ${config.transportUrl}`);
  return createInProcessBus({
    onHandlerError: (error, event) =>
      logger.error({ err: error, schema: event.schema, networkId: event.networkId }, 'bus subscriber failed'),
  });
}

/**
 * Loads the configuration (file + flags), starts the components in order and keeps running until a
 * signal arrives. Exit code 2 for bad configuration, 1 for a start failure.
 */
export async function runComponents(
  name: string,
  configFile: string | undefined,
  flags: Readonly<Record<string, string | undefined>>,
  components: readonly ComponentStarter[],
): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig(configFile, flags);
  } catch (error) {
    if (isQdhcpError(error, 'CONFIG_INVALID')) {
      process.stderr.write(`qdhcp ${name}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = createLogger({ name, level: config.debug ? 'debug' : undefined });
  const bus = createBus(config, logger);
  const started: Stoppable[] = [bus];
  try {
    for (const start of components) started.push(await start({ config, logger, bus }));
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    for (const component of started.reverse()) await component.close().catch(() => undefined);
    process.exitCode = 1;
    return;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  for (const component of started.reverse())
    await component.close().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
}
