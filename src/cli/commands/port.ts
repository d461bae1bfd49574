import type { Command } from 'commander';
import { isQdhcpError, QdhcpError } from '../../common/errors.js';

interface PortOptions {
  api: string;
  token?: string;
  hostNamespace?: string;
  vethPeer?: string;
}

/** `tap` + the port id's first 11 characters, checked to be a port id's prefix. */
async function tapOf(portId: string): Promise<string> {
  const { tapName } = await import('../../agent/naming.js');
  if (!/^[0-9a-f]{8}-[0-9a-f]{2}/.test(portId))
    throw new QdhcpError('CLI_USAGE', { reason: `${JSON.stringify(portId)} is not a port id` });
  return tapName(portId);
}

async function run(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isQdhcpError(error, 'CLI_USAGE') || isQdhcpError(error, 'PROBE_API_FAILED')) {
      process.stderr.write(`qdhcp port: ${error.message}\n`);
      process.exitCode = error.code === 'CLI_USAGE' ? 2 : 1;
      return;
    }
    throw error;
  }
}

/**
 * `qdhcp port plug|unplug`: the tap of a port made for a hypervisor that wants it made (docs/compute.md);
 * the agent's L2 role wires and protects it.
 */
export function registerPort(program: Command): void {
  const port = program
    .command('port')
    .description("make or remove a port's tap device (tap<port id[0:11]>) for the L2 role to wire");

  port
    .command('plug')
    .description("create the tap device of a port (with the port's MAC) and print its name")
    .argument('<port>', 'port id')
    .option(
      '--api <url>',
      "qdhcp API endpoint (reads the port's MAC and network MTU)",
      'http://127.0.0.1:9696',
    )
    .option('--token <token>', 'X-Auth-Token (token auth mode)')
    .option('--host-namespace <ns>', 'namespace holding bridges and taps (default: the current one)')
    .option(
      '--veth-peer <ns>',
      'a veth pair instead of a tap: eth0 in this (existing) namespace, for instances without a VM',
    )
    .action(async (portId: string, options: PortOptions) => {
      await run(async () => {
        const name = await tapOf(portId);
        const { ProbeApi } = await import('../../probe/api-client.js');
        const { createTap, createVethTap } = await import('../../linux/instance-tap.js');
        const api = new ProbeApi(options.api, options.token);
        const found = await api.getPort(portId);
        const network = await api.findNetwork(found.network_id);
        const mtu = network.mtu > 0 ? network.mtu : undefined;
        if (options.vethPeer === undefined)
          await createTap(options.hostNamespace, name, found.mac_address, mtu);
        else await createVethTap(options.hostNamespace, name, options.vethPeer, found.mac_address, mtu);
        process.stdout.write(`${name}\n`);
      });
    });

  port
    .command('unplug')
    .description('remove the tap device of a port (the agent then removes its wiring and protection)')
    .argument('<port>', 'port id')
    .option('--host-namespace <ns>', 'namespace holding bridges and taps (default: the current one)')
    .action(async (portId: string, options: PortOptions) => {
      await run(async () => {
        const name = await tapOf(portId);
        const { deleteTap } = await import('../../linux/instance-tap.js');
        await deleteTap(options.hostNamespace, name);
        process.stdout.write(`${name}\n`);
      });
    });
}
