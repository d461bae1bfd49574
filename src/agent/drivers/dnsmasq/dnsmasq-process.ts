import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { QdhcpError } from '../../../common/errors.js';
import { steerToNewestMember } from '../../../linux/reuseport-steering.js';

/** Options of a supervised dnsmasq. */
export interface DnsmasqProcessOptions {
  readonly namespace: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Its `--pid-file`: appears once dnsmasq has set up its sockets and signal handlers. */
  readonly pidFile: string;
  /** Respawn delay after a death soon after a start; doubles per quick death up to 30 s (default 500 ms). */
  readonly restartDelayMs?: number;
  /** Called when it died unexpectedly (before the respawn). */
  readonly onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Port 67 could not be steered away from a retiring process (it is retired anyway). */
  readonly onSteeringFailed?: (error: unknown) => void;
}

/** A run this long was healthy: its death (a crash) is answered by a respawn at once, not after a delay. */
const HEALTHY_RUN_MS = 2000;

/** How long the predecessor of a replacement may take to exit after SIGKILL. */
const EXIT_WAIT_MS = 5000;

/** How long a replacement waits for datagrams already queued on port 67 to be read before a SIGKILL. */
const DRAIN_WAIT_MS = 500;

const DHCP_PORT = 67;
/** Port 67 as `/proc/net/udp` writes it (hex, after the address). */
const DHCP_PORT_HEX = ':0043 ';

/**
 * Bytes waiting on the port-67 sockets of the network namespace `pid` lives in (`/proc/<pid>/net/udp`:
 * `tx_queue:rx_queue` in hex, column 5), or undefined when the process is gone.
 */
async function queuedOnDhcpPort(pid: number): Promise<number | undefined> {
  const table = await readFile(`/proc/${pid}/net/udp`, 'utf8').catch(() => undefined);
  if (table === undefined) return undefined;
  let queued = 0;
  for (const line of table.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (!`${columns[1] ?? ''} `.endsWith(DHCP_PORT_HEX)) continue;
    queued += Number.parseInt(columns[4]?.split(':')[1] ?? '0', 16) || 0;
  }
  return queued;
}

/**
 * One dnsmasq per network, run in the foreground (`-k`) as a child of the agent so it is supervised by its
 * own PID (never by name): restarted when it dies (spec §4.16's process monitor, without the 60 s poll) —
 * at once after a healthy run, with a growing delay when it keeps dying at start — SIGHUP to re-read files,
 * {@link replace} to restart without a DHCP gap, SIGKILL to stop (as Neutron does).
 */
export class DnsmasqProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private startedAt = 0;
  private restartCount = 0;
  private stderrTail = '';

  constructor(private readonly options: DnsmasqProcessOptions) {
    this.delayMs = options.restartDelayMs ?? 500;
  }

  /** How many times it was respawned after dying. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The end of its stderr (dnsmasq reports start-up errors there). */
  get lastError(): string {
    return this.stderrTail;
  }

  /** PID of the running dnsmasq, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Arguments it runs with (a restart is needed when they change: spec §4.16). */
  get args(): readonly string[] {
    return this.options.args;
  }

  /** Starts it and waits (≤ `timeoutMs`) for its PID file; rejects if it exits or times out. */
  async start(timeoutMs = 5000): Promise<void> {
    this.stopping = false;
    const child = this.spawnMain();
    await this.waitReady(child, this.options.pidFile, timeoutMs);
  }

  /** Resolves once `child` wrote `pidFile`; rejects when it exits first or after `timeoutMs`. */
  private async waitReady(child: ChildProcess, pidFile: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new QdhcpError('DNSMASQ_START_FAILED', {
          reason: `exited at start: ${this.lastError.trim() || 'no message'}`,
        });
      }
      if (existsSync(pidFile)) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new QdhcpError('DNSMASQ_START_FAILED', { reason: `no pid file within ${timeoutMs} ms` });
  }

  private spawnChild(args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.options.namespace, this.options.binary, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (error) => {
      this.stderrTail += `spawn error: ${error.message}\n`;
    });
    return child;
  }

  /** Spawns the supervised process. */
  private spawnMain(): ChildProcess {
    const child = this.spawnChild(this.options.args);
    this.adopt(child);
    return child;
  }

  /** Makes `child` (already spawned) the supervised process: its death, unless asked for, respawns it. */
  private adopt(child: ChildProcess): void {
    this.child = child;
    this.startedAt = Date.now();
    child.on('exit', (code, signal) => {
      // A predecessor retired by replace() or stop(): nothing to supervise any more.
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopping) return;
      this.options.onUnexpectedExit?.(code, signal);
      // A crash after a healthy run (dnsmasq 2.90 dies on some reloads: docs/agent.md) is answered at once;
      // one that keeps dying right after its start (bad config) backs off.
      const healthy = Date.now() - this.startedAt > HEALTHY_RUN_MS;
      const delay = healthy ? 0 : this.delayMs;
      this.delayMs = healthy ? (this.options.restartDelayMs ?? 500) : Math.min(this.delayMs * 2, 30_000);
      this.scheduleRespawn(delay);
    });
  }

  private scheduleRespawn(delay: number): void {
    if (this.stopping || this.restartTimer !== undefined) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping || this.child !== undefined) return;
      this.restartCount++;
      this.spawnMain();
    }, delay);
  }

  /** Asks dnsmasq to re-read hosts, addn-hosts and opts (spec §4.16). */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  /**
   * Restarts it with no moment where DHCP goes unanswered (make before break): dnsmasq with
   * `--bind-dynamic` opens its DHCP socket with SO_REUSEPORT, so a second one binds port 67 beside the
   * first. Without DNS (`--port=0`) the successor starts beside its predecessor, which is then killed.
   * With DNS its port-53 listeners cannot be shared: a DHCP-only stand-in (the same files, `--port=0`, its
   * own pid file) starts first, the predecessor goes, the successor starts (DNS answers again once it is
   * bound: the one gap, docs/agent.md), then the stand-in goes. Files must be written before.
   */
  async replace(timeoutMs = 5000): Promise<void> {
    const previous = this.child;
    if (previous === undefined || this.stopping) return;
    const servesDns = !this.options.args.includes('--port=0');
    let standIn: ChildProcess | undefined;
    const standInPid = `${this.options.pidFile}.standin`;
    if (servesDns) {
      await rm(standInPid, { force: true });
      const args = this.options.args.map((arg) =>
        arg.startsWith('--pid-file=') ? `--pid-file=${standInPid}` : arg,
      );
      standIn = this.spawnChild([...args, '--port=0']);
      // Without its stand-in the replacement below still works, only with a short DHCP gap.
      await this.waitReady(standIn, standInPid, timeoutMs).catch(() => undefined);
      await this.retire(previous);
    }
    const sidePid = `${this.options.pidFile}.next`;
    await rm(sidePid, { force: true });
    const next = this.spawnChild(
      this.options.args.map((arg) => (arg.startsWith('--pid-file=') ? `--pid-file=${sidePid}` : arg)),
    );
    try {
      await this.waitReady(next, sidePid, timeoutMs);
    } catch (error) {
      next.kill('SIGKILL');
      if (standIn !== undefined) await this.retire(standIn);
      // With DNS on the predecessor is gone: the supervisor brings one back as after a crash.
      if (servesDns) this.scheduleRespawn(0);
      throw error;
    }
    // The successor becomes the supervised process; its pid file takes the usual name (a later agent
    // finds it there: stopStaleDnsmasq).
    this.adopt(next);
    await rename(sidePid, this.options.pidFile);
    if (!servesDns) await this.retire(previous);
    if (standIn !== undefined) {
      await this.retire(standIn);
      await rm(standInPid, { force: true });
    }
  }

  /**
   * SIGKILL of a process that is not (or no longer) the supervised one, waited for (≤ 5 s). First port 67's
   * reuseport group is steered to its newest member (the successor), so no unicast request is hashed to
   * this process any more (src/linux/reuseport-steering.ts). A datagram that arrived before that, or a
   * broadcast from before its successor had bound port 67, sits only in this process's socket: on a loaded
   * host it may not have read it yet (a DISCOVER went unanswered in CI that way), so the kill waits
   * (≤ 500 ms) until nothing is queued on port 67 in the namespace.
   */
  private async retire(child: ChildProcess): Promise<void> {
    if (this.child === child) this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.pid !== undefined && !this.stopping)
      await steerToNewestMember(child.pid, DHCP_PORT).catch((error: unknown) =>
        this.options.onSteeringFailed?.(error),
      );
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (child.pid !== undefined && !this.stopping && Date.now() < deadline) {
      const queued = await queuedOnDhcpPort(child.pid);
      if (queued === undefined || queued === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, EXIT_WAIT_MS))]);
  }

  /** SIGKILL and wait for the exit (≤ 5 s). No respawn afterwards. Safe twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child === undefined) return;
    await this.retire(child);
  }
}
