import { type Command, CommanderError } from 'commander';
import { DHCP_SOCKET_HOLD_MS } from '../../dhcp-server/socket-hold.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `qdhcp serve`: a DHCPv4 server for static bindings that accepts the dnsmasq command line Neutron's DHCP
 * agent uses (spec §5.2), so it can replace dnsmasq process-for-process. commander is used (not
 * util.parseArgs) because it already gives `--opt=value` and `--opt value`, repeatable options,
 * `--no-*` flags, help text and a clear unknown-option error, which is exactly dnsmasq's long-option syntax.
 */
export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description(
      'Serve DHCPv4 static leases on one interface (run inside the network namespace), reading dnsmasq-style ' +
        'hosts and opts files. Accepts the dnsmasq command line Neutron uses. SIGHUP re-reads the files without a ' +
        'service gap, SIGUSR1 logs the counters, SIGTERM/SIGINT stop. Logs are JSON lines (stderr or --log-facility).',
    )
    .option('-i, --interface <if>', 'interface to serve on; its IPv4 addresses are the server identifiers')
    .option(
      '-F, --dhcp-range <range>',
      'subnet to serve, repeatable: [set:TAG,]NETWORK,static[,NETMASK[,LEASE]] — LEASE like 86400s, 1h, infinite',
      collect,
    )
    .option(
      '--dhcp-hostsfile <file>',
      'static bindings, one per line: MAC[,id:CLIENTID],NAME,IP[,set:TAG][,LEASE]',
    )
    .option('--dhcp-optsfile <file>', 'options, one per line: [tag:TAG,...]option:NAME|NUM,VALUES')
    .option(
      '-O, --dhcp-option <option>',
      'an option sent when asked for (opts-file syntax), repeatable',
      collect,
    )
    .option(
      '--dhcp-option-force <option>',
      'an option always sent, e.g. option:mtu,1450 (repeatable)',
      collect,
    )
    .option(
      '--dhcp-match <match>',
      'set:TAG,OPTION — tag clients whose request carries OPTION (e.g. set:ipxe,175), repeatable',
      collect,
    )
    .option(
      '--dhcp-userclass <class>',
      'set:TAG,TEXT — tag clients whose user class (77) contains TEXT (e.g. set:ipxe6,iPXE), repeatable',
      collect,
    )
    .option('-s, --domain <domain>', 'domain name (option 15)')
    .option('-X, --dhcp-lease-max <n>', 'accepted for compatibility (static bindings need no lease table)')
    .option('--log-dhcp', 'log a trace of every exchange (tags, host, every option sent), like dnsmasq')
    .option('--quiet-dhcp', 'do not log each reply (errors, NAKs and declines are still logged)')
    .option(
      '--dhcp-hold <ms>',
      `qdhcp: under load, read the sockets every <ms> instead of on each datagram (less CPU per exchange; 0: never; default ${DHCP_SOCKET_HOLD_MS})`,
    )
    .option('-x, --pid-file <file>', 'write the process id to this file (removed on exit)')
    .option('-8, --log-facility <file>', 'append logs to this file instead of stderr')
    .option('-p, --port <n>', 'DNS port; 0 disables DNS (DNS is not served by this command yet)')
    .option('-k, --keep-in-foreground', 'accepted: qdhcp serve always runs in the foreground')
    .addHelpText(
      'after',
      '\nAccepted and ignored (dnsmasq flags Neutron passes that this server does not need):\n' +
        '  --no-hosts --no-resolv --strict-order --bind-dynamic --bind-interfaces --except-interface=IF\n' +
        '  --local-service --conf-file=F --addn-hosts=F --dhcp-leasefile=F --leasefile-ro\n' +
        '  --server=S --dhcp-authoritative --dhcp-broadcast --log-queries --bridge-interface=B\n' +
        'Unknown flags are an error (exit status 2).\n\n' +
        'Example (inside the namespace):\n' +
        '  ip netns exec qdhcp-NET qdhcp serve --interface=ns-1234 \\\n' +
        '    --dhcp-range=set:subnet-1,10.60.0.0,static,255.255.255.0,86400s \\\n' +
        '    --dhcp-hostsfile=/var/lib/qdhcp/NET/host --dhcp-optsfile=/var/lib/qdhcp/NET/opts \\\n' +
        '    --dhcp-option-force=option:mtu,1450 --domain=openstacklocal\n',
    );
  for (const flag of [
    '--no-hosts',
    '--no-resolv',
    '--strict-order',
    '--bind-dynamic',
    '--bind-interfaces',
    '--local-service',
    '--leasefile-ro',
    '--dhcp-authoritative',
    '--dhcp-broadcast',
    '--log-queries',
  ]) {
    command.option(flag, 'ignored');
  }
  for (const flag of [
    '--except-interface <if>',
    '--conf-file <file>',
    '--addn-hosts <file>',
    '--dhcp-leasefile <file>',
    '--server <server>',
    '--bridge-interface <spec>',
  ]) {
    command.option(flag, 'ignored', collect);
  }
  // Hide the ignored flags from the option list (they are summarised in the help epilogue).
  for (const option of command.options) if (option.description === 'ignored') option.hideHelp();
  command.showHelpAfterError("(run 'qdhcp serve --help' for the accepted flags)");
  command.exitOverride((error) => {
    // A bad command line exits 2 (as dnsmasq does); help and version keep their own status.
    throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
  });
  command.action(async (options: Record<string, unknown>) => {
    // Node's default for SIGHUP is to exit, and the agent may send one while we are still loading: note it
    // from the first moment we can, and let the server reload once it is serving.
    const early = { hup: false };
    const onHup = (): void => {
      early.hup = true;
    };
    process.on('SIGHUP', onHup);
    // The server is a long-running daemon with a memory budget: do not cache the source maps of the modules
    // loaded from here on (stack traces then point into dist/ JavaScript, which has the same names).
    process.setSourceMapsEnabled(false);
    try {
      const { runServe } = await import('../../serve/run-serve.js');
      process.exitCode = await runServe(options, early);
    } finally {
      process.off('SIGHUP', onHup);
    }
  });
}
