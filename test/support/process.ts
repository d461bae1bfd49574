import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A child process started by a test, always stopped by its own PID (never by name). Output is kept in
 * memory so tests can wait for a line and print it on failure.
 */
export class ManagedProcess {
  private stdoutText = '';
  private stderrText = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
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

  /** Starts `file args` (no shell) with stdout/stderr captured. */
  static start(
    label: string,
    file: string,
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
  ): ManagedProcess {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    return new ManagedProcess(label, child);
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

  /** Sends a signal to this process (by PID) if it is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.exitInfo === undefined && this.child.pid !== undefined) this.child.kill(signal);
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

  /** SIGTERM, wait up to `graceMs`, then SIGKILL. Safe to call twice. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exitInfo !== undefined || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    if (await this.waitForExit(graceMs)) return;
    this.child.kill('SIGKILL');
    await this.waitForExit(2000);
  }

  /** Captured output, for assertion messages. */
  output(): string {
    return `--- ${this.label} stdout ---\n${this.stdoutText.slice(-4000)}\n--- ${this.label} stderr ---\n${this.stderrText.slice(-4000)}`;
  }
}
