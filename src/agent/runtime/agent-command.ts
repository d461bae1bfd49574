import { QdhcpError } from '../../common/errors.js';
import { type AgentConfig, loadAgentConfig } from './agent-config.js';
import { loadNeutronAgentConfig } from './neutron-agent-config.js';
import { formatStatus, readStatus, statusSocketPath } from './status-socket.js';

/**
 * The configuration of a standalone `qdhcp agent`, which reaches the servers over the AMQP bus
 * (`--bus amqp://…`, `--host NAME`). Without an AMQP URL there is no server to talk to (the in-process bus
 * connects only inside `qdhcp all-in-one`): `CONFIG_INVALID` (exit code 2) with a clear message, rather
 * than an agent that pretends to serve.
 */
export function loadStandaloneAgentConfig(
  configFile: string | undefined,
  flags: Readonly<Record<string, string | undefined>>,
  neutron: { readonly enabled: boolean; readonly files: readonly string[] } = { enabled: false, files: [] },
): AgentConfig & { readonly neutronNotes?: { ignored: readonly string[]; warnings: readonly string[] } } {
  if (neutron.enabled || neutron.files.length > 0) {
    // Neutron's own files (--config-file, in order), then qdhcp's --config file, flags winning.
    const files = [...neutron.files, ...(configFile === undefined ? [] : [configFile])];
    const { config, ignored, warnings } = loadNeutronAgentConfig(files, flags);
    return { ...config, neutronNotes: { ignored, warnings } };
  }
  const config = loadAgentConfig(configFile, flags);
  if (config.rpc === 'neutron') return config;
  if (!/^amqps?:/.test(config.transportUrl))
    throw new QdhcpError('CONFIG_INVALID', {
      message:
        `the ${config.transportUrl} bus only connects to a server inside the same process; give ` +
        "--bus amqp://user:pass@host:port/ (the servers' RabbitMQ) or run `qdhcp all-in-one`",
    });
  return config;
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
