import type { Command } from 'commander';
import { addServerOptions, givenFlags } from '../../main/cli-options.js';

/** `qdhcp all-in-one`: every component in one process (SQLite and the in-process bus by default). */
export function registerAllInOne(program: Command): void {
  const command = program
    .command('all-in-one')
    .description('run every component in one process (today: the control plane; the DHCP agent joins later)');
  addServerOptions(command).action(async () => {
    const { runComponents } = await import('../../main/run.js');
    const { ALL_IN_ONE_COMPONENTS } = await import('../../main/all-in-one.js');
    await runComponents(
      'all-in-one',
      command.opts<{ config?: string }>().config,
      givenFlags(command),
      ALL_IN_ONE_COMPONENTS,
    );
  });
}
