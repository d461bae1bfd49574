import type { Command } from 'commander';

/** `qdhcp netns-cleanup`: remove the namespaces, devices and processes qdhcp created (neutron-netns-cleanup). */
export function registerNetnsCleanup(program: Command): void {
  program
    .command('netns-cleanup')
    .description(
      'Remove what the qdhcp agent created on this host, like neutron-netns-cleanup. By default only stale DHCP ' +
        'namespaces (<prefix>qdhcp-<network id> with nothing but lo left) are deleted; with --all every DHCP ' +
        'namespace (after killing the processes inside) and the host-side brq… bridges, vxlan-… devices and VLAN ' +
        'sub-interfaces on them. Physical interfaces are never deleted. Prints one line per action.',
    )
    .option('--namespace-prefix <prefix>', 'the --namespace-prefix the agent ran with', '')
    .option('--host-namespace <name>', 'namespace holding the bridges and uplinks (default: the current one)')
    .option(
      '--all',
      'remove every qdhcp namespace and the host-side devices, not only stale namespaces',
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
        all: boolean;
        dryRun: boolean;
        stateDir?: string;
      }) => {
        const { cleanupNamespaces } = await import('../../agent/cleanup.js');
        const result = await cleanupNamespaces({
          namespacePrefix: options.namespacePrefix,
          hostNamespace: options.hostNamespace,
          all: options.all,
          dryRun: options.dryRun,
          stateDirectory: options.stateDir,
        });
        for (const line of result.lines) process.stdout.write(`${options.dryRun ? 'would ' : ''}${line}\n`);
        for (const error of result.errors) process.stderr.write(`error: ${error}\n`);
        process.exitCode = result.errors.length > 0 ? 1 : 0;
      },
    );
}
