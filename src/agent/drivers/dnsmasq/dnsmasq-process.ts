import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { QdhcpError } from '../../../common/errors.js';

/** Options of a supervised dnsmasq. */
export interface DnsmasqProcessOptions {
  readonly namespace: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Its `--pid-file`: appears once dnsmasq has set up its sockets and signal handlers. */
  readonly pidFile: string;
  /** First respawn delay; doubles per quick death up to 30 s (default 500 ms). */
  readonly restartDelayMs?: number;
  /** Called when it died unexpectedly (before the respawn). */
  readonly onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * One dnsmasq per network, run in the foreground (`-k`) as a child of the agent so it is supervised by its
 * own PID (never by name): restarted when it dies (spec §4.16's process monitor, without the 60 s poll),
 * SIGHUP to re-read files, SIGKILL to stop (as Neutron does).
 */
export class DnsmasqProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private startedAt = 0;
  private exitWaiters: Array<() => void> = [];
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
    this.spawnOnce();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child === undefined || this.child.exitCode !== null) {
        throw new QdhcpError('DNSMASQ_START_FAILED', {
          reason: `exited at start: ${this.lastError.trim() || 'no message'}`,
        });
      }
      if (existsSync(this.options.pidFile)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new QdhcpError('DNSMASQ_START_FAILED', { reason: `no pid file within ${timeoutMs} ms` });
  }

  private spawnOnce(): void {
    const child = spawn(
      'ip',
      ['netns', 'exec', this.options.namespace, this.options.binary, ...this.options.args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    this.startedAt = Date.now();
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (error) => {
      this.stderrTail += `spawn error: ${error.message}\n`;
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const resolve of waiters) resolve();
      if (this.stopping) return;
      this.options.onUnexpectedExit?.(code, signal);
      // Back off when it dies right after starting (bad config), reset after a healthy run.
      this.delayMs =
        Date.now() - this.startedAt > 60_000
          ? (this.options.restartDelayMs ?? 500)
          : Math.min(this.delayMs * 2, 30_000);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.stopping) return;
        this.restartCount++;
        this.spawnOnce();
      }, this.delayMs);
    });
  }

  /** Asks dnsmasq to re-read hosts, addn-hosts and opts (spec §4.16). */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  /** SIGKILL and wait for the exit (≤ 5 s). No respawn afterwards. Safe twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}
