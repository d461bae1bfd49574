import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A child process started by a test, always stopped by its own PID (never by name). Output is kept in
 * memory so tests can wait for a line and print it on failure. With `processGroup`, the child leads a new
 * process group and signals go to the whole group (-PID): services that fork workers (neutron-server, a
 * RabbitMQ node's Erlang VM under its start script) are stopped with everything they started.
 */
export class ManagedProcess {
  private stdoutText = '';
  private stderrText = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    private readonly processGroup: boolean,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutText += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      child.on('error', (error) => {
        this.stderrText += `spawn error: ${error.message}\n`;
        this.exitInfo ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  /** Starts `file args` (no shell) with stdout/stderr captured; `processGroup`: in a group of its own. */
  static start(
    label: string,
    file: string,
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
    options: { processGroup?: boolean } = {},
  ): ManagedProcess {
    const processGroup = options.processGroup === true;
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
      detached: processGroup,
    });
    return new ManagedProcess(label, child, processGroup);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
  get stdout(): string {
    return this.stdoutText;
  }
  get stderr(): string {
    return this.stderrText;
  }
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** Sends a signal to this process (by PID; its group by -PID with `processGroup`) if it is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.exitInfo === undefined && this.child.pid !== undefined) this.kill(signal);
  }

  private kill(signal: NodeJS.Signals): void {
    if (!this.processGroup) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-(this.child.pid ?? 0), signal);
    } catch {
      // the group is gone already
    }
  }

  /** True while any process of the group is left (a worker may outlive its leader by a moment). */
  private groupAlive(): boolean {
    if (!this.processGroup || this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves when the process exits, or returns false after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (this.exitInfo !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Polls stdout+stderr until `pattern` matches; throws with the output so far after `timeoutMs`. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (this.stdoutText + this.stderrText).match(pattern);
      if (match !== null) return match;
      if (this.exitInfo !== undefined) {
        throw new Error(
          `${this.label} exited (${JSON.stringify(this.exitInfo)}) before ${pattern}:\n${this.output()}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms:\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * SIGTERM, wait up to `graceMs`, then SIGKILL (with `processGroup`: to the group, and until no member is
   * left). Safe to call twice.
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.child.pid === undefined) return;
    if (this.exitInfo !== undefined && !this.groupAlive()) return;
    this.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    if ((await this.waitForExit(graceMs)) && (await this.groupGone(deadline))) return;
    this.kill('SIGKILL');
    await this.waitForExit(2000);
    await this.groupGone(Date.now() + 2000);
  }

  private async groupGone(deadline: number): Promise<boolean> {
    while (this.groupAlive()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  /** Captured output, for assertion messages. */
  output(): string {
    return `--- ${this.label} stdout ---\n${this.stdoutText.slice(-4000)}\n--- ${this.label} stderr ---\n${this.stderrText.slice(-4000)}`;
  }
}
