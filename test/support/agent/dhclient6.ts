import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { CommandResult } from '../../../src/linux/run-command.js';
import type { Namespace, Sandbox } from '../netns.js';

/** What one `dhclient -6` run reported: the reasons its script saw and the `new_*` variables of the last. */
export interface Dhclient6Result {
  readonly result: CommandResult;
  readonly reasons: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
}

/**
 * Waits (bounded) until `device` in `namespace` has a link-local address that is no longer tentative:
 * dhclient -6 needs one to send from.
 */
export async function waitForLinkLocal(
  namespace: Namespace,
  device: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await namespace.ip(['-6', 'addr', 'show', 'dev', device, 'scope', 'link'], {
      allowFailure: true,
    });
    if (/inet6 fe80::/.test(shown.stdout) && !/tentative/.test(shown.stdout)) return;
    if (Date.now() > deadline) throw new Error(`no usable link-local on ${device}: ${shown.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * One-shot ISC `dhclient -6` (`-1`; `-S` for stateless: Information-Request only) with a print-only script
 * (the address is not configured); the daemon it leaves behind is stopped by its pid file. `release`
 * runs `dhclient -6 -r` on the lease a previous run with the same `label` stored (a Release to the server).
 */
export async function runDhclient6(
  namespace: Namespace,
  sandbox: Sandbox,
  device: string,
  options: {
    readonly label: string;
    readonly stateless?: boolean;
    readonly release?: boolean;
    readonly timeoutSeconds?: number;
  },
): Promise<Dhclient6Result> {
  const { label } = options;
  const conf = sandbox.path(`${label}.dhclient6.conf`);
  const script = sandbox.path(`${label}.dhclient6.sh`);
  const out = sandbox.path(`${label}.dhclient6.out`);
  const leases = sandbox.path(`${label}.dhclient6.leases`);
  const pid = sandbox.path(`${label}.dhclient6.pid`);
  writeFileSync(
    conf,
    `timeout ${options.timeoutSeconds ?? 15};\nrequest dhcp6.name-servers, dhcp6.domain-search;\n`,
  );
  if (options.release !== true) writeFileSync(leases, '');
  writeFileSync(out, '');
  writeFileSync(
    script,
    `#!/bin/sh
{ echo "REASON $reason"; env | grep -E '^new_' | sort | sed 's/^/VAR /'; } >> "${out}"
exit 0
`,
  );
  chmodSync(script, 0o755);
  const result = await namespace.exec(
    'dhclient',
    [
      '-6',
      ...(options.stateless ? ['-S'] : []),
      options.release === true ? '-r' : '-1',
      '-v',
      '-cf',
      conf,
      '-sf',
      script,
      '-lf',
      leases,
      '-pf',
      pid,
      device,
    ],
    { allowFailure: true, timeoutMs: ((options.timeoutSeconds ?? 15) + 15) * 1000 },
  );
  try {
    const daemon = Number(readFileSync(pid, 'utf8').trim());
    if (daemon > 0) process.kill(daemon, 'SIGTERM');
  } catch {
    // no daemon (nothing bound) or already gone
  }
  const reasons: string[] = [];
  const vars: Record<string, string> = {};
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('REASON ')) reasons.push(line.slice(7).trim());
    else if (line.startsWith('VAR ')) {
      const body = line.slice(4);
      const eq = body.indexOf('=');
      if (eq > 0) vars[body.slice(0, eq)] = body.slice(eq + 1);
    }
  }
  return { result, reasons, vars };
}
