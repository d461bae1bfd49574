import type { Command } from 'commander';
import { addServerOptions, givenFlags } from '../../main/cli-options.js';
import { addAgentOptions, agentFlags } from './agent.js';

/** `qdhcp all-in-one`: every component in one process (SQLite and the in-process bus by default). */
export function registerAllInOne(program: Command): void {
  const command = program
    .command('all-in-one')
    .description('run every component in one process: the control plane and a DHCP agent');
  addAgentOptions(addServerOptions(command), { onlyAgent: true }).action(async () => {
    const { runComponents } = await import('../../main/run.js');
    const { allInOneWithAgent } = await import('../../main/all-in-one.js');
    await runComponents(
      'all-in-one',
      command.opts<{ config?: string }>().config,
      givenFlags(command),
      allInOneWithAgent(agentFlags(command, { onlyAgent: true })),
    );
  });
}
