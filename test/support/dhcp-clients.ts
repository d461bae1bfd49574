import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { CommandResult } from '../../src/linux/run-command.js';
import type { Namespace, Sandbox } from './netns.js';

/**
 * Real DHCP clients (busybox udhcpc, ISC dhclient) run inside a test namespace with scripts that only
 * print what they were given: they never touch /etc/resolv.conf or routes (the namespaces share the host's
 * /etc). The optional "configure" mode adds the leased address to the client's own interface, inside its
 * own namespace, so that a renewal can be sent and answered by unicast.
 */

/** One udhcpc script event (`bound`, `renew`, `deconfig`, …) with the variables it was given. */
export interface ClientEvent {
  readonly event: string;
  readonly vars: Readonly<Record<string, string>>;
}

const UDHCPC_VARS =
  'interface ip subnet mask broadcast router dns domain hostname mtu staticroutes msstaticroutes lease serverid siaddr ntpsrv opt58 opt59';

/** Writes the udhcpc `-s` script into the sandbox; with `configure` it also sets the address on bound. */
export function writeUdhcpcScript(sandbox: Sandbox, configure = false): string {
  const path = sandbox.path(configure ? 'udhcpc-configure.sh' : 'udhcpc-print.sh');
  const configureLine = configure
    ? '  [ "$1" = bound ] && ip addr replace "$ip/$mask" dev "$interface" >/dev/null 2>&1\n'
    : '';
  writeFileSync(
    path,
    `#!/bin/sh
# udhcpc -s script for tests: print the event and what the server sent; change nothing outside this namespace.
echo "EVENT $1"
case "$1" in bound|renew)
${configureLine}  for v in ${UDHCPC_VARS}; do
    eval "val=\\\${$v-}"; [ -n "$val" ] && echo "VAR $v=$val"
  done ;;
esac
exit 0
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** Parses the script output of udhcpc into events. */
export function parseClientEvents(output: string): ClientEvent[] {
  const events: { event: string; vars: Record<string, string> }[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('EVENT ')) events.push({ event: line.slice(6).trim(), vars: {} });
    else if (line.startsWith('VAR ')) {
      const current = events.at(-1);
      const body = line.slice(4);
      const eq = body.indexOf('=');
      if (current !== undefined && eq > 0) current.vars[body.slice(0, eq)] = body.slice(eq + 1).trim();
    }
  }
  return events;
}

/** One-shot udhcpc (`-q -n`): returns its exit status and events. Short timeouts: tries × 1 s. */
export async function runUdhcpc(
  namespace: Namespace,
  sandbox: Sandbox,
  interfaceName: string,
  options: { tries?: number; broadcastFlag?: boolean; extraArgs?: readonly string[] } = {},
): Promise<{ result: CommandResult; events: ClientEvent[] }> {
  const script = writeUdhcpcScript(sandbox);
  const args = [
    '-f',
    '-q',
    '-n',
    '-i',
    interfaceName,
    '-t',
    String(options.tries ?? 3),
    '-T',
    '1',
    '-A',
    '1',
  ];
  args.push('-O', 'mtu', '-O', 'staticroutes', '-s', script);
  if (options.broadcastFlag === true) args.push('-B');
  args.push(...(options.extraArgs ?? []));
  const result = await namespace.exec('udhcpc', args, { allowFailure: true, timeoutMs: 20_000 });
  return { result, events: parseClientEvents(result.stdout) };
}

/** The `bound` event's variables, or a failure with the client's output. */
export function boundVars(run: {
  result: CommandResult;
  events: ClientEvent[];
}): Readonly<Record<string, string>> {
  const bound = run.events.find((event) => event.event === 'bound');
  if (bound === undefined) {
    throw new Error(`no lease (exit ${run.result.code}):\n${run.result.stdout}\n${run.result.stderr}`);
  }
  return bound.vars;
}

const DHCLIENT_CONF = `option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name,
        domain-name-servers, host-name, interface-mtu,
        rfc3442-classless-static-routes;
timeout 10;
retry 10;
`;

/**
 * One-shot ISC dhclient (`-1`) with a print-only `-sf` script; the daemon it leaves behind is stopped by
 * its pid file. `leaseFile` pre-seeds the lease database (e.g. a stale address, to provoke INIT-REBOOT).
 */
export async function runDhclient(
  namespace: Namespace,
  sandbox: Sandbox,
  interfaceName: string,
  options: { leaseFile?: string; label?: string } = {},
): Promise<{ result: CommandResult; reasons: string[]; vars: Record<string, string>; log: string }> {
  const label = options.label ?? interfaceName;
  const conf = sandbox.path(`${label}.dhclient.conf`);
  const script = sandbox.path(`${label}.dhclient.sh`);
  const out = sandbox.path(`${label}.dhclient.out`);
  const leases = sandbox.path(`${label}.dhclient.leases`);
  const pid = sandbox.path(`${label}.dhclient.pid`);
  writeFileSync(conf, DHCLIENT_CONF);
  writeFileSync(leases, options.leaseFile ?? '');
  writeFileSync(
    script,
    `#!/bin/sh
# dhclient -sf script for tests: record reason and new_* variables; change nothing.
{ echo "REASON $reason"
  case "$reason" in BOUND|RENEW|REBIND|REBOOT) env | grep -E '^new_' | sort | sed 's/^/VAR /' ;; esac
} >> "${out}"
exit 0
`,
  );
  chmodSync(script, 0o755);
  writeFileSync(out, '');
  const result = await namespace.exec(
    'dhclient',
    ['-4', '-1', '-v', '-cf', conf, '-sf', script, '-lf', leases, '-pf', pid, interfaceName],
    { allowFailure: true, timeoutMs: 20_000 },
  );
  // -1 returns once bound but leaves a daemon to renew: stop it by its pid.
  try {
    const daemon = Number(readFileSync(pid, 'utf8').trim());
    if (daemon > 0) process.kill(daemon, 'SIGTERM');
  } catch {
    // no daemon (no lease) or already gone
  }
  const text = readFileSync(out, 'utf8');
  const reasons: string[] = [];
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('REASON ')) reasons.push(line.slice(7).trim());
    else if (line.startsWith('VAR ')) {
      const body = line.slice(4);
      const eq = body.indexOf('=');
      if (eq > 0) vars[body.slice(0, eq)] = body.slice(eq + 1);
    }
  }
  return { result, reasons, vars, log: `${result.stdout}\n${result.stderr}` };
}
