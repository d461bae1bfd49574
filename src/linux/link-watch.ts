/**
 * Tells when a namespace's devices change: `ip [-n NS] monitor link` runs as a child process, and every
 * line it prints calls `onChange` (the caller then reads the devices: the monitor's text is only a trigger,
 * never parsed, so no change of its format can mislead the caller). If the monitor dies it is restarted
 * after `restartDelayMs`; the caller's periodic scan covers the gap.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { NamespaceName } from './ip-batch.js';

export class LinkWatch {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly namespace: NamespaceName,
    private readonly onChange: () => void,
    private readonly restartDelayMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    const args = [...(this.namespace === undefined ? [] : ['-n', this.namespace]), 'monitor', 'link'];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    child.stdout?.on('data', () => this.onChange());
    child.on('error', () => undefined); // reported through 'exit'
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      this.restartTimer = setTimeout(() => this.start(), this.restartDelayMs);
    });
  }

  /** Stops the monitor (its own child, by PID through the handle). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }
}
