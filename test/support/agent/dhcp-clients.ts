import type { Namespace } from '../netns.js';
import type { AgentTestbed } from './testbed.js';

/** What a DHCP client script printed for one event (udhcpc variable names). */
export type ClientResult = Readonly<Record<string, string>>;

const UDHCPC_VARIABLES = [
  'ip',
  'subnet',
  'router',
  'dns',
  'domain',
  'hostname',
  'mtu',
  'lease',
  'serverid',
  'tftp',
  'bootfile',
  'staticroutes',
  'msstaticroutes',
  'siaddr',
  'boot_file',
];

/** Where a test writes its scripts: an {@link AgentTestbed} or any bed with `script()`. */
export type ScriptBed = Pick<AgentTestbed, 'script'>;

/** A udhcpc script that only prints (`event=bound|ip=…|…`), never touching resolv.conf or addresses. */
export function udhcpcScript(bed: ScriptBed): string {
  const fields = UDHCPC_VARIABLES.map((name) => `${name}=$${name}`).join('|');
  return bed.script(
    'udhcpc-print.sh',
    `#!/bin/sh\n# Prints what udhcpc got; changes nothing.\necho "event=$1|${fields}"\n`,
  );
}

/** Parses one printed line. */
export function parseEventLine(line: string): ClientResult {
  const result: Record<string, string> = {};
  for (const field of line.trim().split('|')) {
    const eq = field.indexOf('=');
    if (eq > 0) result[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return result;
}

/** udhcpc arguments asking for everything the contract checks (udhcpc's defaults + these). */
export function udhcpcArgs(script: string, extra: readonly string[] = []): string[] {
  return [
    '-i',
    'eth0',
    '-f',
    '-s',
    script,
    '-t',
    '4',
    '-T',
    '1',
    '-A',
    '1',
    '-O',
    'mtu',
    '-O',
    'staticroutes',
    '-O',
    'msstaticroutes',
    '-O',
    'tftp',
    '-O',
    'bootfile',
    '-O',
    'lease',
    ...extra,
  ];
}

/** Runs `udhcpc -q -n` once (≤ ~8 s) and returns the `bound` event, or undefined when it got no lease. */
export async function udhcpcOnce(bed: ScriptBed, client: Namespace): Promise<ClientResult | undefined> {
  const result = await client.exec('udhcpc', udhcpcArgs(udhcpcScript(bed), ['-q', '-n']), {
    timeoutMs: 15_000,
    allowFailure: true,
  });
  const bound = result.stdout.split('\n').find((line) => line.startsWith('event=bound'));
  return bound === undefined ? undefined : parseEventLine(bound);
}

/** dhclient configuration: ask for what the contract checks, give up quickly. */
export const DHCLIENT_CONF = `timeout 10;
retry 1;
request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name, host-name, interface-mtu;
`;

/** A dhclient script that only prints the `new_*` variables of each reason. */
export const DHCLIENT_SCRIPT = `#!/bin/sh
# Prints what dhclient got; changes nothing.
echo "reason=$reason|ip=$new_ip_address|subnet=$new_subnet_mask|router=$new_routers|dns=$new_domain_name_servers|domain=$new_domain_name|hostname=$new_host_name|mtu=$new_interface_mtu|lease=$new_dhcp_lease_time"
`;
