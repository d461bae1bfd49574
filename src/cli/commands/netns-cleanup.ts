import type { Command } from 'commander';

/** `qdhcp netns-cleanup`: remove the namespaces, devices and processes qdhcp created (neutron-netns-cleanup). */
export function registerNetnsCleanup(program: Command): void {
  program
    .command('netns-cleanup')
    .description(
      'Remove what the qdhcp agent created on this host, like neutron-netns-cleanup. By default stale DHCP ' +
        'and router namespaces (<prefix>qdhcp-<network id>, <prefix>qrouter-<router id> with nothing but lo ' +
        'left) are deleted, and the brq… bridges ' +
        'of networks with no DHCP namespace left, with their vxlan-… and VLAN uplinks, when nothing but ' +
        'qdhcp’s own devices is plugged into them (a bridge carrying an instance tap or any other device ' +
        'stays). With --all every DHCP and router namespace (after killing the processes inside, with their ' +
        'tap… peers) and every brq… bridge ' +
        'and uplink of ours. Physical interfaces are never deleted. Prints one line per action.',
    )
    .option('--namespace-prefix <prefix>', 'the --namespace-prefix the agent ran with', '')
    .option('--host-namespace <name>', 'namespace holding the bridges and uplinks (default: the current one)')
    .option(
      '--physical-interface-mappings <list>',
      "the agent's PHYSNET:IFACE mappings: those interfaces may be released from a stale bridge, never deleted",
      '',
    )
    .option(
      '--bridge-mappings <list>',
      "the agent's PHYSNET:BRIDGE mappings: those bridges are the operator's and are never deleted",
      '',
    )
    .option(
      '--l2-owner <owner>',
      'who makes the bridges and uplinks: qdhcp, or neutron-linuxbridge (then only namespaces are removed)',
      'qdhcp',
    )
    .option(
      '--all',
      'remove every qdhcp and qrouter namespace and the host-side devices, not only stale namespaces',
      false,
    )
    .option('--dry-run', 'print what would be removed and change nothing', false)
    .option(
      '--state-dir <dir>',
      'dnsmasq driver state directory: <dir>/<network id> is removed with its namespace',
    )
    .action(
      async (options: {
        namespacePrefix: string;
        hostNamespace?: string;
        physicalInterfaceMappings: string;
        bridgeMappings: string;
        l2Owner: string;
        all: boolean;
        dryRun: boolean;
        stateDir?: string;
      }) => {
        const { cleanupNamespaces } = await import('../../agent/cleanup.js');
        const { parseBridgeMappings, parseInterfaceMappings } = await import(
          '../../agent/plumbing-settings.js'
        );
        const { QdhcpError } = await import('../../common/errors.js');
        if (options.l2Owner !== 'qdhcp' && options.l2Owner !== 'neutron-linuxbridge') {
          throw new QdhcpError('CONFIG_INVALID', {
            message: `--l2-owner must be qdhcp or neutron-linuxbridge, not ${JSON.stringify(options.l2Owner)}`,
          });
        }
        const mappings = parseInterfaceMappings([options.physicalInterfaceMappings]);
        const result = await cleanupNamespaces({
          namespacePrefix: options.namespacePrefix,
          hostNamespace: options.hostNamespace,
          all: options.all,
          dryRun: options.dryRun,
          stateDirectory: options.stateDir,
          ownsL2: options.l2Owner === 'qdhcp',
          mappedInterfaces: new Set(mappings.values()),
          mappedBridges: new Set(parseBridgeMappings([options.bridgeMappings]).values()),
        });
        for (const line of result.lines) process.stdout.write(`${options.dryRun ? 'would ' : ''}${line}\n`);
        for (const error of result.errors) process.stderr.write(`error: ${error}\n`);
        process.exitCode = result.errors.length > 0 ? 1 : 0;
      },
    );
}
