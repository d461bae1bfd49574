import type { Command } from 'commander';
import { SERVER_OPTIONS } from '../../common/config-server-options.js';
import { addOptionFlags, givenOptionFlags, SERVER_FLAGS, withConfigFile } from '../option-flags.js';

/** `qdhcp server`: the Neutron-compatible control plane (API, database, bus); `/metrics`: the bus's. */
export function registerServer(program: Command): void {
  const command = program
    .command('server')
    .description('run the control plane: Neutron v2.0 API for networks, subnets and ports');
  addOptionFlags(withConfigFile(command), SERVER_OPTIONS, SERVER_FLAGS).action(async () => {
    const { runComponents } = await import('../../main/run.js');
    const { startServer } = await import('../../main/server.js');
    const { renderBusMetrics } = await import('../../bus/bus-counters.js');
    await runComponents(
      'server',
      command.opts<{ config?: string }>().config,
      givenOptionFlags(command, SERVER_OPTIONS, SERVER_FLAGS),
      [
        (context) =>
          startServer(context, {
            beforeListen: (api) =>
              api.get('/metrics', async (_request, reply) => {
                void reply.type('text/plain; version=0.0.4; charset=utf-8');
                return `${renderBusMetrics(context.bus.stats()).join('\n')}\n`;
              }),
          }),
      ],
    );
  });
}
