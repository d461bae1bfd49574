/**
 * Test support: start a real `qdhcp server` process on a free loopback port and stop it by PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
/** The CLI the tests run, as `./bin/qdhcp` would. */
export const QDHCP_MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
  /** What the process wrote to stderr (its JSON log). */
  log(): string;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `qdhcp server` with the given extra arguments and waits (bounded) until /healthz answers. */
export async function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [QDHCP_MAIN, 'server', '--bind', `127.0.0.1:${port}`, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, QDHCP_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  // Bounded by time, not attempts: at a load of 20+ on 2 cores node alone takes several seconds to start
  // (seen: over 10 s), and a slow start is not what these tests are about.
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`qdhcp server exited early: ${stderr}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, child, stop, log: () => stderr };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`qdhcp server did not start: ${stderr}`);
}
