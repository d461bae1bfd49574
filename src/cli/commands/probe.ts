import type { Command } from 'commander';
import { isQdhcpError } from '../../common/errors.js';

interface CommonProbeOptions {
  api: string;
  token?: string;
  stateDir: string;
  namespacePrefix: string;
  hostNamespace?: string;
  bridgeMappings: string;
  timeout: string;
  l2Wait: string;
}

function addCommon(command: Command): Command {
  return command
    .option('--api <url>', 'Neutron API endpoint', 'http://127.0.0.1:9696')
    .option('--token <token>', 'X-Auth-Token (token auth mode)')
    .option('--state-dir <dir>', 'where probes are remembered (<dir>/probes/<name>)', './var')
    .option('--namespace-prefix <prefix>', 'prefix of the probe namespace name (<prefix>qprobe-<name>)', '')
    .option('--host-namespace <ns>', 'namespace holding the agent bridges (default: the current one)')
    .option(
      '--bridge-mappings <list>',
      "the agent's PHYSNET:BRIDGE[,...]: a flat network of a mapped physnet is on that bridge (not brq…)",
      '',
    )
    .option('--timeout <seconds>', 'how long to wait for the bridge and a lease', '30')
    .option(
      '--l2-wait <seconds>',
      "how long an agent's L2 role may take to wire and protect the probe's tap before the probe puts it into the bridge itself (0: at once)",
      '5',
    );
}

async function withProbe(
  options: CommonProbeOptions,
  work: (settings: import('../../probe/probe.js').ProbeSettings) => Promise<void>,
): Promise<void> {
  const timeout = Number(options.timeout);
  const l2Wait = Number(options.l2Wait);
  if (!Number.isFinite(timeout) || timeout <= 0 || !Number.isFinite(l2Wait) || l2Wait < 0) {
    process.stderr.write(
      `qdhcp probe: --timeout ${options.timeout} must be positive, --l2-wait ${options.l2Wait} not negative\n`,
    );
    process.exitCode = 2;
    return;
  }
  try {
    const { parseBridgeMappings } = await import('../../agent/plumbing-settings.js');
    const bridgeMappings = parseBridgeMappings([options.bridgeMappings]);
    await work({
      api: options.api,
      token: options.token,
      stateDir: options.stateDir,
      namespacePrefix: options.namespacePrefix,
      hostNamespace: options.hostNamespace,
      timeoutMs: timeout * 1000,
      l2WaitMs: l2Wait * 1000,
      bridgeMappings,
    });
  } catch (error) {
    if (
      isQdhcpError(error, 'PROBE_FAILED') ||
      isQdhcpError(error, 'PROBE_API_FAILED') ||
      isQdhcpError(error, 'CONFIG_INVALID')
    ) {
      process.stderr.write(`qdhcp probe: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

/** `qdhcp probe create|list|renew|exec|delete`: instances without a VM, for testing DHCP end to end. */
export function registerProbe(program: Command): void {
  const probe = program
    .command('probe')
    .description('test DHCP like an instance: a port, a namespace on the network bridge, a real udhcpc');

  addCommon(
    probe
      .command('create')
      .description('create a probe port and namespace, run udhcpc in it, print what it got')
      .requiredOption('--network <network>', 'network id or name')
      .option('--name <name>', 'probe name', 'probe'),
  ).action(async (options: CommonProbeOptions & { network: string; name: string }) => {
    await withProbe(options, async (settings) => {
      const { createProbe } = await import('../../probe/probe.js');
      const { formatLease } = await import('../../probe/lease-report.js');
      const { meta, port, lease } = await createProbe(settings, options.network, options.name);
      process.stdout.write(
        `probe ${meta.name}: port ${port.id} mac ${port.mac_address} fixed ${port.fixed_ips.map((f) => f.ip_address).join(', ')} namespace ${meta.namespace}\n`,
      );
      process.stdout.write(
        meta.wiredBy === 'l2-agent'
          ? `probe ${meta.name}: ${meta.hostDevice} wired and protected by the agent's L2 role\n`
          : `probe ${meta.name}: ${meta.hostDevice} put into the bridge by the probe (no L2 role wired it: not protected)\n`,
      );
      if (lease === undefined) {
        process.stdout.write(`probe ${meta.name}: no lease within ${options.timeout} s\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(formatLease(meta.name, lease));
    });
  });

  addCommon(probe.command('list').description('list probes with their current lease')).action(
    async (options: CommonProbeOptions) => {
      await withProbe(options, async (settings) => {
        const { listProbes } = await import('../../probe/probe.js');
        for (const { meta, lease, pid } of await listProbes(settings)) {
          process.stdout.write(
            `${meta.name}\tnetwork ${meta.networkId}\tport ${meta.portId}\t${lease?.['ip'] ?? 'no lease'}\t${pid === undefined ? 'client stopped' : `udhcpc ${pid}`}\n`,
          );
        }
      });
    },
  );

  addCommon(
    probe
      .command('renew')
      .description('make the probe client renew now (SIGUSR1) and print the outcome')
      .argument('<name>'),
  ).action(async (name: string, options: CommonProbeOptions) => {
    await withProbe(options, async (settings) => {
      const { renewProbe } = await import('../../probe/probe.js');
      const { formatLease } = await import('../../probe/lease-report.js');
      const lease = await renewProbe(settings, name);
      if (lease === undefined) {
        process.stdout.write(`probe ${name}: no lease after renewing\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(formatLease(name, lease));
    });
  });

  addCommon(
    probe
      .command('exec')
      .description('run a command inside the probe namespace: qdhcp probe exec NAME -- ping -c1 10.0.0.1')
      .argument('<name>')
      .argument('<command...>'),
  ).action(async (name: string, command: string[], options: CommonProbeOptions) => {
    await withProbe(options, async (settings) => {
      const { execInProbe } = await import('../../probe/probe.js');
      process.exitCode = await execInProbe(settings, name, command);
    });
  });

  addCommon(
    probe
      .command('delete')
      .description('stop the client, remove namespace and veth, delete the port')
      .argument('<name>'),
  ).action(async (name: string, options: CommonProbeOptions) => {
    await withProbe(options, async (settings) => {
      const { deleteProbe } = await import('../../probe/probe.js');
      await deleteProbe(settings, name);
      process.stdout.write(`probe ${name} deleted\n`);
    });
  });
}
