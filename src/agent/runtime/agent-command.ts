import { isQdhcpError } from '../../common/errors.js';
import { loadAgentConfig } from './agent-config.js';
import { formatStatus, readStatus, statusSocketPath } from './status-socket.js';

/**
 * `qdhcp agent`: validates the configuration, then refuses to run on its own: the in-process bus reaches a
 * server only inside `qdhcp all-in-one`, and the AMQP bus for standalone agents comes later. Exit code 2
 * with a clear message, rather than an agent that pretends to serve.
 */
export async function runAgentCommand(
  configFile: string | undefined,
  flags: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  try {
    const config = loadAgentConfig(configFile, flags);
    process.stderr.write(
      `qdhcp agent: the ${config.transportUrl} bus only connects to a server inside the same process; ` +
        'run `qdhcp all-in-one` (a standalone agent needs the AMQP bus, not supported yet)\n',
    );
    process.exitCode = 2;
  } catch (error) {
    if (isQdhcpError(error, 'CONFIG_INVALID')) {
      process.stderr.write(`qdhcp agent: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}

/** `qdhcp agent status`: asks the running agent over its unix socket. */
export async function printAgentStatus(stateDir: string, json: boolean): Promise<void> {
  const path = statusSocketPath(stateDir);
  try {
    const status = await readStatus(path);
    process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  } catch (error) {
    process.stderr.write(
      `qdhcp agent status: no running agent answers on ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
