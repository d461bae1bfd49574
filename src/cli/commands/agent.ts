import type { Command } from 'commander';
import { AGENT_OPTIONS } from '../../agent/runtime/agent-config.js';
import { addOptionFlags, givenOptionFlags } from '../option-flags.js';

/** The agent's flags: booleans are switches (`--log-dhcp`, `--no-enable-isolated-metadata`). */
const AGENT_FLAGS = { booleans: 'switch' } as const;

/** `qdhcp agent`: the DHCP agent; `qdhcp agent status`: what a running agent serves. */
export function registerAgent(program: Command): void {
  const command = program
    .command('agent')
    .description('run the DHCP agent on this host, talking to the servers over --bus amqp://…')
    .option('--config <file>', 'INI configuration file (Neutron dhcp_agent.ini style)');
  addOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS).action(async () => {
    const { loadStandaloneAgentConfig } = await import('../../agent/runtime/agent-command.js');
    const { runProcess } = await import('../../main/run.js');
    const { startAgent } = await import('../../main/agent.js');
    const configFile = command.opts<{ config?: string }>().config;
    await runProcess(
      'agent',
      () => loadStandaloneAgentConfig(configFile, givenOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS)),
      [({ config, logger, bus }) => startAgent(config, { bus, logger })],
    );
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
