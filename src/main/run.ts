/**
 * Running long-lived components from the CLI: configuration errors exit 2 with a clear message, and
 * SIGINT/SIGTERM stop every started component (in reverse order) before the process exits.
 *
 * @module
 */
import { hostname } from 'node:os';
import { type Bus, type BusEvent, createInProcessBus, eventLogFields } from '../bus/index.js';
import { loadConfig, type ServerConfig } from '../common/config.js';
import { isQdhcpError, QdhcpError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';

/** Something started that must be stopped on shutdown. */
export interface Stoppable {
  close(): Promise<void>;
}

/** What every component of one process shares. */
export interface ProcessContext<C = ServerConfig> {
  readonly config: C;
  readonly logger: Logger;
  /** The process's bus: components of one process (server, DHCP agent) talk over it, or over AMQP. */
  readonly bus: Bus;
}

/** Starts one component of a process. */
export type ComponentStarter<C = ServerConfig> = (context: ProcessContext<C>) => Promise<Stoppable>;

/** What a process's configuration must say for {@link runProcess}. */
export interface ProcessConfig {
  readonly transportUrl: string;
  /** `neutron`: the process reaches a neutron-server itself (src/neutron/); its bus stays in-process. */
  readonly rpc?: 'qdhcp' | 'neutron';
  readonly debug: boolean;
}

/**
 * The bus named by `transport_url`: `inprocess://` (one process) or `amqp://…` (RabbitMQ; resolves once
 * connected, rejects when the broker stays unreachable). `name` labels the process in the broker.
 */
export async function createBus(config: ProcessConfig, logger: Logger, name = 'qdhcp'): Promise<Bus> {
  const onHandlerError = (error: unknown, event: BusEvent) =>
    logger.error({ err: error, ...eventLogFields(event) }, 'bus subscriber failed');
  if (config.transportUrl.startsWith('inprocess:') || config.rpc === 'neutron')
    return createInProcessBus({ onHandlerError });
  if (/^amqps?:/.test(config.transportUrl)) {
    const { createAmqpBus } = await import('../bus/amqp-bus.js');
    return createAmqpBus(config.transportUrl, {
      logger: logger.child({ component: 'bus' }),
      onHandlerError,
      connectionName: `qdhcp ${name} ${hostname()} pid ${process.pid}`,
    });
  }
  throw new QdhcpError('CONFIG_INVALID', { message: `unsupported transport ${config.transportUrl}` });
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
  await runProcess(name, () => loadConfig(configFile, flags), components);
}

/**
 * {@link runComponents} for any configuration: `load` may throw `CONFIG_INVALID` (exit 2); the bus is
 * created from the configuration's `transport_url` before the components start (failure: exit 1).
 */
export async function runProcess<C extends ProcessConfig>(
  name: string,
  load: () => C,
  components: readonly ComponentStarter<C>[],
): Promise<void> {
  let config: C;
  try {
    config = load();
  } catch (error) {
    if (isQdhcpError(error, 'CONFIG_INVALID')) {
      process.stderr.write(`qdhcp ${name}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = createLogger({ name, level: config.debug ? 'debug' : undefined });
  const started: Stoppable[] = [];
  try {
    const bus = await createBus(config, logger, name);
    started.push(bus);
    for (const start of components) started.push(await start({ config, logger, bus }));
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    // A host problem the operator must fix (an unusable state dir): one plain sentence, no stack.
    if (isQdhcpError(error) && error.layer === 'config')
      process.stderr.write(`qdhcp ${name}: ${error.message}\n`);
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
