import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../src/linux/run-command.js';
import { ManagedProcess } from '../../test/support/process.js';
import type { NeutronBed } from './neutron-bed.js';
import { descendants } from './process-set.js';

/** The checkout this harness was built from (its `bin/qdhcp` is the qdhcp agent under test). */
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

export type AgentKind = 'neutron' | 'qdhcp';

/**
 * One DHCP agent under test, on the bed's host (where the linuxbridge agent runs): started and stopped by
 * PID, with the processes that count for its memory and CPU, and the cleanup between agents.
 */
export interface DhcpAgentUnderTest {
  readonly kind: AgentKind;
  readonly label: string;
  /** Starts a new agent process; resolves with the time it was spawned (performance.now()). */
  start(): number;
  /** Stops the agent process (SIGTERM, then SIGKILL); what it started may keep running (neutron's dnsmasq). */
  stop(): Promise<void>;
  /** Whether the agent process is still running (a start that failed shows here). */
  running(): boolean;
  /** Its last output lines, for a failure report. */
  output(): string;
  /** The agent process, its descendants and the daemons it started. */
  pids(): number[];
  /**
   * An id of what serves a network now (neutron: its dnsmasq PID), to tell a restarted agent's service
   * from what survived the old process; undefined when nothing outlives the agent.
   */
  generation(networkId: string): string | undefined;
  /** Removes everything it left for `networkIds` (daemons by pid file, `qdhcp-<id>` namespaces). */
  cleanup(networkIds: readonly string[]): Promise<void>;
}

const readPid = (file: string): number | undefined => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

async function removeNamespaces(networkIds: readonly string[], prefix = ''): Promise<void> {
  for (const id of networkIds) {
    const ns = `${prefix}qdhcp-${id}`;
    const pids = await runCommand('ip', ['netns', 'pids', ns], { allowFailure: true });
    for (const pid of pids.stdout
      .split('\n')
      .map(Number)
      .filter((p) => p > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  }
}

abstract class AgentProcess {
  protected process: ManagedProcess | undefined;
  private count = 0;
  private outputFile = '';

  protected abstract command(logFile: string): { file: string; args: string[] };

  constructor(
    readonly label: string,
    protected readonly bed: NeutronBed,
  ) {}

  start(): number {
    this.count += 1;
    const logFile = join(this.bed.dir, 'log', `${this.label}-${this.count}.log`);
    this.outputFile = `${logFile}.output`;
    const { file, args } = this.command(logFile);
    const at = performance.now();
    this.process = ManagedProcess.start(this.label, file, args);
    return at;
  }

  /** Stops the process and keeps what it printed beside its log (qdhcp logs to stderr, not to a file). */
  async stop(): Promise<void> {
    await this.process?.stop(30_000);
    if (this.process !== undefined) writeFileSync(this.outputFile, this.process.output());
  }

  running(): boolean {
    return this.process !== undefined && this.process.exit === undefined;
  }

  output(): string {
    return this.process?.output() ?? '';
  }

  protected agentPids(): number[] {
    const pid = this.process?.pid;
    return pid === undefined || !this.running() ? [] : descendants(pid);
  }
}

/** neutron-dhcp-agent as Debian ships it (dnsmasq driver, linuxbridge interface driver). */
export class NeutronDhcpAgent extends AgentProcess implements DhcpAgentUnderTest {
  readonly kind = 'neutron';

  constructor(bed: NeutronBed) {
    super('neutron-dhcp-agent', bed);
  }

  protected command(logFile: string): { file: string; args: string[] } {
    return {
      file: '/usr/bin/neutron-dhcp-agent',
      args: [
        '--config-file',
        this.bed.etc('neutron.conf'),
        '--config-file',
        this.bed.etc('dhcp_agent.ini'),
        '--log-file',
        logFile,
      ],
    };
  }

  private daemons(): number[] {
    const out: number[] = [];
    const confs = this.bed.dhcpConfs;
    for (const net of safeList(confs)) {
      const pid = readPid(join(confs, net, 'pid'));
      if (pid !== undefined) out.push(pid);
    }
    const haproxy = join(this.bed.dir, 'state', 'external', 'pids');
    for (const file of safeList(haproxy)) {
      const pid = readPid(join(haproxy, file));
      if (pid !== undefined) out.push(pid);
    }
    // oslo.privsep daemons (started through rootwrap) re-parent to init: found by the agent's config file.
    for (const entry of safeList('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmdline.includes('privsep-helper') && cmdline.includes(this.bed.etc('dhcp_agent.ini')))
          out.push(pid);
      } catch {
        // gone meanwhile
      }
    }
    return out.filter((pid) => alive(pid));
  }

  pids(): number[] {
    return [...this.agentPids(), ...this.daemons()];
  }

  generation(networkId: string): string | undefined {
    const pid = readPid(join(this.bed.dhcpConfs, networkId, 'pid'));
    return pid !== undefined && alive(pid) ? String(pid) : undefined;
  }

  async cleanup(networkIds: readonly string[]): Promise<void> {
    for (const pid of this.daemons()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await removeNamespaces(networkIds);
  }
}

/**
 * `qdhcp agent --neutron` with Neutron's own files (`--config-file neutron.conf --config-file
 * dhcp_agent.ini`, as docs/neutron-agent.md's "Replacing neutron-dhcp-agent" runs it) plus a small INI of
 * qdhcp's keys: the driver, its state directory and a namespace prefix. Under `--neutron` the agent makes only
 * the namespace and its tap/ns veth (`l2_owner = neutron-linuxbridge`); the bed's linuxbridge agent plugs the
 * tap into the physnet's bridge, exactly as for neutron-dhcp-agent, so both agents have the same path. The
 * namespace prefix — its orphan sweep removes every
 * `<prefix>qdhcp-<uuid>` namespace it does not serve, which with Neutron's bare names would take other
 * DHCP agents' namespaces on this shared machine (it did, to this benchmark's neutron-dhcp-agent, from
 * another session's test). `QDHCP_NEUTRON_AGENT` overrides the command (words split on spaces, `{config}`
 * → the INI, `{etc}` → the bed's config directory), e.g. to run another checkout's build.
 */
export class QdhcpAgent extends AgentProcess implements DhcpAgentUnderTest {
  readonly kind = 'qdhcp';

  constructor(
    bed: NeutronBed,
    private readonly driver: 'builtin' | 'dnsmasq',
  ) {
    super(`qdhcp-agent-${driver}`, bed);
  }

  private get namespacePrefix(): string {
    return `${this.bed.prefix}-`;
  }

  protected command(): { file: string; args: string[] } {
    const config = join(this.bed.dir, 'etc', `qdhcp-agent-${this.driver}.ini`);
    writeFileSync(
      config,
      `[DEFAULT]
qdhcp_driver = ${this.driver}
namespace_prefix = ${this.namespacePrefix}
state_dir = ${join(this.bed.dir, 'state', `qdhcp-${this.driver}`)}
`,
    );
    const template =
      process.env.QDHCP_NEUTRON_AGENT ??
      `${ROOT}/bin/qdhcp agent --neutron --config-file {etc}/neutron.conf --config-file {etc}/dhcp_agent.ini --config {config}`;
    const [file = '', ...args] = template
      .split(' ')
      .map((word) => word.replace('{config}', config).replace('{etc}', join(this.bed.dir, 'etc')));
    return { file, args };
  }

  pids(): number[] {
    // The builtin driver runs no other process; the dnsmasq driver's children stay in the tree (dnsmasq -k).
    return this.agentPids();
  }

  generation(): string | undefined {
    return undefined;
  }

  async cleanup(networkIds: readonly string[]): Promise<void> {
    await removeNamespaces(networkIds, this.namespacePrefix);
    // A `brq<network id[:11]>` bridge only exists if an older build (QDHCP_NEUTRON_AGENT) made its own.
    for (const id of networkIds)
      await runCommand('ip', ['link', 'del', `brq${id.slice(0, 11)}`], { allowFailure: true });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
