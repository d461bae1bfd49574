import type { Command } from 'commander';
import { AGENT_OPTIONS } from '../../agent/runtime/agent-config.js';
import { optionFlag } from '../../common/config.js';

/** Agent options that `all-in-one` takes from the server's configuration instead (same meaning). */
const SHARED_WITH_SERVER: ReadonlySet<string> = new Set([
  'state_dir',
  'transport_url',
  'dns_domain',
  'dhcp_lease_duration',
  'debug',
]);

function camel(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Declares the agent's options on a command: one flag per option (booleans are switches), flags win over
 * the `--config` file. With `onlyAgent`, the options the server already declares are left out (all-in-one).
 */
export function addAgentOptions(command: Command, options: { onlyAgent?: boolean } = {}): Command {
  for (const spec of AGENT_OPTIONS) {
    if (options.onlyAgent && SHARED_WITH_SERVER.has(spec.key)) continue;
    const flag = optionFlag(spec);
    const value =
      spec.kind === 'bool'
        ? ''
        : spec.kind === 'int'
          ? ' <n>'
          : spec.kind === 'list'
            ? ' <list>'
            : ' <value>';
    const file = `[${spec.sections[0]}] ${spec.key}`;
    const choices = spec.choices ? `; one of ${spec.choices.join(', ')}` : '';
    command.option(
      `${flag}${value}`,
      `${spec.help} (config: ${file}; default: ${spec.default === '' ? 'none' : spec.default}${choices})`,
    );
    // A switch that defaults to on needs a way off (`--no-enable-isolated-metadata`).
    if (spec.kind === 'bool' && spec.default === 'true')
      command.option(`--no-${flag.slice(2)}`, `turn ${flag} off (config: ${file} = false)`);
  }
  return command;
}

/** The agent flags that were given, keyed by option key. */
export function agentFlags(command: Command, options: { onlyAgent?: boolean } = {}): Record<string, string> {
  const values = command.opts<Record<string, unknown>>();
  const flags: Record<string, string> = {};
  for (const spec of AGENT_OPTIONS) {
    if (options.onlyAgent && SHARED_WITH_SERVER.has(spec.key)) continue;
    const value = values[camel(optionFlag(spec))];
    if (value !== undefined) flags[spec.key] = String(value);
  }
  return flags;
}

/** `qdhcp agent`: the DHCP agent; `qdhcp agent status`: what a running agent serves. */
export function registerAgent(program: Command): void {
  const command = program
    .command('agent')
    .description('run the DHCP agent on this host, talking to the servers over --bus amqp://…')
    .option('--config <file>', 'INI configuration file (Neutron dhcp_agent.ini style)');
  addAgentOptions(command).action(async () => {
    const { loadStandaloneAgentConfig } = await import('../../agent/runtime/agent-command.js');
    const { runProcess } = await import('../../main/run.js');
    const { startAgent } = await import('../../main/agent.js');
    const configFile = command.opts<{ config?: string }>().config;
    await runProcess('agent', () => loadStandaloneAgentConfig(configFile, agentFlags(command)), [
      ({ config, logger, bus }) => startAgent(config, { bus, logger }),
    ]);
  });
  command
    .command('status')
    .description('show what the agent running with this state dir serves, per network and since when')
    .option('--state-dir <dir>', 'the running agent state directory (default: ./var)')
    .option('--json', 'print the raw JSON')
    .action(async (options: { stateDir?: string; json?: boolean }) => {
      const { printAgentStatus } = await import('../../agent/runtime/agent-command.js');
      // `qdhcp agent --state-dir D status` gives it to the parent command: accept both places.
      const stateDir = options.stateDir ?? command.opts<{ stateDir?: string }>().stateDir ?? './var';
      await printAgentStatus(stateDir, options.json === true);
    });
}
