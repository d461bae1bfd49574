/**
 * A PRIVATE RabbitMQ node for tests that stop and start the broker (the shared one on 127.0.0.1:5672 is
 * never touched): its own node name, ports, data and log directories and Erlang cookie under a temp dir,
 * no plugins, listening on 127.0.0.1 only. Started and stopped by PID, as a process group (the start script
 * and the Erlang VM under it). Used by the scale-out tests and the real-Neutron harness (test/support/neutron).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess } from '../process.js';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** True when a TCP connection to 127.0.0.1:port succeeds. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One private broker node; `start()` again after `stop()` restarts it with the same data. */
export class PrivateBroker {
  private process: ManagedProcess | undefined;

  constructor(
    readonly dir: string,
    readonly nodeName: string,
    readonly port: number,
    readonly distPort: number,
    /** Where the node writes its logs (default: `log/` under `dir`). */
    private readonly logDir = join(dir, 'log'),
  ) {
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  }

  /** `amqp://guest:guest@127.0.0.1:<port>/` plus our query (e.g. `?exchange=…`). */
  url(query = ''): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}/${query}`;
  }

  /** Starts the node and waits (≤ 90 s) until it accepts AMQP connections; resolves to the milliseconds taken. */
  async start(): Promise<number> {
    const started = Date.now();
    if (this.process?.exit === undefined && this.process !== undefined) return 0;
    this.process = ManagedProcess.start(
      'rabbitmq',
      RABBITMQ_SERVER,
      [],
      {
        ...process.env,
        HOME: this.dir, // its own Erlang cookie
        RABBITMQ_NODENAME: this.nodeName,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.distPort),
        RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
        RABBITMQ_LOG_BASE: this.logDir,
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
        RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq'),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, 'advanced.config'),
        ERL_EPMD_ADDRESS: '127.0.0.1',
      },
      { processGroup: true },
    );
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.process.exit !== undefined)
        throw new Error(`private rabbitmq exited: ${this.process.stdout}\n${this.process.stderr}`);
      if (/completed with/.test(this.process.stdout) && (await canConnect(this.port)))
        return Date.now() - started;
      await sleep(250);
    }
    throw new Error(`private rabbitmq did not start in 90 s: ${this.process.stdout}`);
  }

  /** Stops the node (SIGTERM to its process group, SIGKILL after 30 s). */
  async stop(): Promise<void> {
    await this.process?.stop(30_000);
  }
}
