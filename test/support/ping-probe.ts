/**
 * A ping every 100 ms (iputils `ping -D -i 0.1`) from inside a namespace, and what it saw: how many echoes
 * went unanswered and the longest time between two answers. Used to prove that forwarding never stops
 * while something (an agent restart) happens around it.
 *
 * @module
 */
import type { Namespace, Sandbox } from './netns.js';
import type { ManagedProcess } from './process.js';

/** What one ping run saw. */
export interface PingSummary {
  /** Echo requests up to the last one answered (the one in flight when stopped is not counted). */
  readonly sent: number;
  readonly answered: number;
  /** Requests before the last answered one that got no answer. */
  readonly lost: number;
  /** The longest time between two consecutive answers, in ms (≈ the interval while nothing is lost). */
  readonly longestGapMs: number;
}

/** `[1733331234.123456] 64 bytes from 172.24.4.1: icmp_seq=12 ttl=63 time=0.123 ms` */
const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+) /gm;

/** Reads `ping -D` output (pure). */
export function summarizePing(output: string): PingSummary {
  const seqs = new Set<number>();
  const times: number[] = [];
  for (const match of output.matchAll(REPLY)) {
    const seq = Number(match[2]);
    if (seqs.has(seq)) continue; // a duplicate (DUP!) answers nothing new
    seqs.add(seq);
    times.push(Number(match[1]) * 1000);
  }
  const sent = seqs.size === 0 ? 0 : Math.max(...seqs);
  let longestGapMs = 0;
  for (let index = 1; index < times.length; index++)
    longestGapMs = Math.max(longestGapMs, (times[index] ?? 0) - (times[index - 1] ?? 0));
  return { sent, answered: seqs.size, lost: sent - seqs.size, longestGapMs: Math.round(longestGapMs) };
}

/** A running `ping` every 100 ms from `namespace` to `target`. */
export class PingProbe {
  private constructor(
    readonly label: string,
    readonly target: string,
    private readonly process: ManagedProcess,
  ) {}

  /** Starts it (stopped by PID in the sandbox's teardown if not before). */
  static start(sandbox: Sandbox, namespace: Namespace, label: string, target: string): PingProbe {
    const process = sandbox.spawn(namespace, label, 'ping', ['-D', '-n', '-i', '0.1', target]);
    return new PingProbe(label, target, process);
  }

  /** Waits (bounded) until `count` answers came back: forwarding works before anything is measured. */
  async answering(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (summarizePing(this.process.stdout).answered < count) {
      if (this.process.exit !== undefined || Date.now() > deadline)
        throw new Error(`${this.label}: no ${count} answers from ${this.target}:\n${this.process.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the ping (SIGINT, as a user's Ctrl-C) and reads its output. */
  async stop(): Promise<PingSummary> {
    this.process.signal('SIGINT');
    if (!(await this.process.waitForExit(5000))) await this.process.stop();
    return summarizePing(this.process.stdout);
  }
}
