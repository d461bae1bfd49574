import type { Command } from 'commander';
import { AGENT_OPTIONS } from '../../agent/runtime/agent-config.js';
import { SERVER_OPTIONS } from '../../common/config-server-options.js';
import { addOptionFlags, givenOptionFlags, SERVER_FLAGS, withConfigFile } from '../option-flags.js';

/**
 * The agent's flags in all-in-one: switches like `qdhcp agent`'s, without the options the agent takes from
 * the server's configuration instead (same meaning, declared once by the server's table).
 */
const AGENT_FLAGS = {
  booleans: 'switch',
  skip: new Set(['state_dir', 'transport_url', 'dns_domain', 'dhcp_lease_duration', 'debug']),
} as const;

/** `qdhcp all-in-one`: every component in one process (SQLite and the in-process bus by default). */
export function registerAllInOne(program: Command): void {
  const command = program
    .command('all-in-one')
    .description('run every component in one process: the control plane and a DHCP agent');
  addOptionFlags(withConfigFile(command), SERVER_OPTIONS, SERVER_FLAGS);
  addOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS).action(async () => {
    const { runComponents } = await import('../../main/run.js');
    const { allInOneWithAgent } = await import('../../main/all-in-one.js');
    await runComponents(
      'all-in-one',
      command.opts<{ config?: string }>().config,
      givenOptionFlags(command, SERVER_OPTIONS, SERVER_FLAGS),
      allInOneWithAgent(givenOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS)),
    );
  });
}
