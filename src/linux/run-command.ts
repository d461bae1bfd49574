import { spawn } from 'node:child_process';
import { QdhcpError } from '../common/errors.js';

/** What a finished command produced. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A command exited non-zero, was killed by its timeout, or could not start (`COMMAND_FAILED`; the spawn
 * error, if any, is the `cause`).
 */
export class CommandError extends QdhcpError {
  override readonly name = 'CommandError';
  constructor(
    readonly command: readonly string[],
    readonly result: CommandResult | undefined,
    reason: string,
    cause?: unknown,
  ) {
    const stderr = result?.stderr ? ` (${result.stderr.trim().slice(0, 500)})` : '';
    super('COMMAND_FAILED', { command: command.join(' '), reason, stderr }, { cause });
  }
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  /** Killed with SIGKILL after this many milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** Text written to the command's stdin, then closed. */
  readonly input?: string;
  /** Resolve with the result even when the exit code is not 0 (default: reject). */
  readonly allowFailure?: boolean;
  /** Called with each chunk of stdout as it comes (the whole is still in the result). */
  readonly onStdout?: (chunk: string) => void;
}

/**
 * Runs a program (no shell) with a hard timeout and collects its output. Rejects with
 * {@link CommandError} on a non-zero exit unless `allowFailure`.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const command = [file, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk.toString('utf8'));
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(command, undefined, error.message, error));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: CommandResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (timedOut)
        reject(new CommandError(command, result, `timed out after ${options.timeoutMs ?? 10_000} ms`));
      else if (code !== 0 && options.allowFailure !== true) {
        reject(new CommandError(command, result, `exited with ${code ?? signal}`));
      } else resolve(result);
    });
    child.stdin.on('error', () => {
      // The command may exit before reading its input; its exit status tells the story.
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * `command args…` run inside the network namespace NAME only (`nsenter --net=/run/netns/NAME`), for tools
 * that need nothing but the namespace's network (nft, conntrack). `ip netns exec` also makes a
 * mount namespace and remounts /sys for each process, which takes a kernel-wide lock: on a loaded machine
 * it made a floating IP's few processes several times slower (docs/routers.md).
 */
export function inNetworkNamespace(
  namespace: string,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${namespace}`, '--', command, ...args]];
}
