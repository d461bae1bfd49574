import { chmodSync, writeFileSync } from 'node:fs';
import { runCommand } from '../../../src/linux/run-command.js';
import type { Namespace, Sandbox } from '../netns.js';
import type { ManagedProcess } from '../process.js';

/**
 * dhcpcd (Debian's dhcpcd-base) as a DHCPv6-only daemon in a probe namespace, a second client beside ISC
 * dhclient. Stateful without waiting for an RA (`noipv6rs`, `ia_na 1`), no hooks; its DUID, leases, pid
 * and control socket live on tmpfs mounts private to the mount namespace `ip netns exec` gives it, so
 * nothing is left on the host and two tests never share a control socket. Stopped by PID (the sandbox).
 */
export class Dhcpcd6 {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly device: string,
  ) {}

  static start(namespace: Namespace, sandbox: Sandbox, label: string, device = 'eth0'): Dhcpcd6 {
    const conf = sandbox.path(`${label}.dhcpcd.conf`);
    writeFileSync(
      conf,
      'duid\nnoipv6rs\nipv6only\nia_na 1\noption dhcp6_name_servers, dhcp6_domain_search\n' +
        'nohook resolv.conf, hostname, ntp.conf, timesyncd\nscript /bin/true\n',
    );
    chmodSync(conf, 0o644);
    const process = sandbox.spawn(namespace, `dhcpcd-${label}`, 'sh', [
      '-c',
      `mount -t tmpfs t /var/lib/dhcpcd && mount -t tmpfs t /run && exec dhcpcd -6 -B -d -f ${conf} ${device}`,
    ]);
    return new Dhcpcd6(process, device);
  }

  /** Everything dhcpcd logged so far (`-d`: every message sent and received). */
  output(): string {
    return this.process.output();
  }

  /** Resolves with the address once dhcpcd added one from a Reply (bounded). */
  async bound(timeoutMs = 20_000): Promise<string> {
    const match = await this.process.waitForOutput(/adding address ([0-9a-f:]+)\/128/, timeoutMs);
    return match[1] ?? '';
  }

  /** Everything dhcpcd logged, not cut short. */
  private log(): string {
    return this.process.stdout + this.process.stderr;
  }

  /**
   * `dhcpcd -N` (renew now) through the daemon's control socket; resolves once it sent a Renew (RENEW6) and got a
   * Reply after it (bounded), with the log from the Renew on.
   */
  async renew(timeoutMs = 15_000): Promise<string> {
    const before = this.log().length;
    await this.control('-N');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const since = this.log().slice(before);
      if (/RENEW6[\s\S]*REPLY6 received/.test(since)) return since;
      if (Date.now() > deadline) throw new Error(`dhcpcd did not renew:\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** `dhcpcd -N` (renew now) or `-k` (release and exit) through the daemon's control socket. */
  private async control(flag: '-N' | '-k'): Promise<void> {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error('dhcpcd is not running');
    await runCommand('nsenter', ['-t', String(pid), '-m', '-n', 'dhcpcd', '-6', flag, this.device], {
      timeoutMs: 10_000,
    });
  }
}
