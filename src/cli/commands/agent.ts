import type { Command } from 'commander';
import { AGENT_OPTIONS } from '../../agent/runtime/agent-config.js';
import { addOptionFlags, givenOptionFlags } from '../option-flags.js';

/** The agent's flags: booleans are switches (`--log-dhcp`, `--no-enable-isolated-metadata`). */
const AGENT_FLAGS = { booleans: 'switch' } as const;

/** `qdhcp agent`: the DHCP agent; `qdhcp agent status`: what a running agent serves. */
export function registerAgent(program: Command): void {
  const command = program
    .command('agent')
    .description(
      'run the DHCP agent on this host, talking to qdhcp servers over --bus amqp://… or to a neutron-server (--neutron)',
    )
    .option('--config <file>', 'INI configuration file (Neutron dhcp_agent.ini style)')
    .option('--neutron', 'speak to a neutron-server over oslo.messaging (same as --rpc neutron)')
    .option(
      '--config-file <file>',
      "one of Neutron's files (neutron.conf, dhcp_agent.ini; repeatable, in order): implies --neutron",
      (file: string, files: string[]) => [...files, file],
      [] as string[],
    )
    .option(
      '--takeover',
      'take over from the agent running with the same --state-dir without a gap: receive its listening sockets, serve every network it serves, then it exits (what SIGHUP to a running agent starts; docs/agent.md)',
    );
  addOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS).action(async () => {
    const { loadStandaloneAgentConfig } = await import('../../agent/runtime/agent-command.js');
    const { runProcess } = await import('../../main/run.js');
    const { createControlPlane } = await import('../../main/agent.js');
    const { startAgentWithHandover } = await import('../../main/agent-handover.js');
    const { createL3Rpc } = await import('../../agent/router/l3-rpc.js');
    const opts = command.opts<{
      config?: string;
      neutron?: boolean;
      configFile: string[];
      takeover?: boolean;
    }>();
    await runProcess(
      'agent',
      () =>
        loadStandaloneAgentConfig(opts.config, givenOptionFlags(command, AGENT_OPTIONS, AGENT_FLAGS), {
          enabled: opts.neutron === true,
          files: opts.configFile,
        }),
      [
        async ({ config, logger, bus }) => {
          for (const warning of config.neutronNotes?.warnings ?? [])
            logger.warn({ event: 'agent.neutron_option' }, warning);
          if ((config.neutronNotes?.ignored.length ?? 0) > 0)
            logger.info(
              { event: 'agent.neutron_options_ignored', options: config.neutronNotes?.ignored },
              'Neutron options qdhcp does not use (ignored)',
            );
          return startAgentWithHandover(
            config,
            {
              controlPlane: await createControlPlane(config, bus, logger),
              logger,
              // No router data plane is wired here yet (issue 13's Linux side): the L3 role stays off.
              roles: { rpc: createL3Rpc(bus) },
            },
            { takeover: opts.takeover === true },
          );
        },
      ],
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
