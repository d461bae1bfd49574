/**
 * How the `qdhcp` processes fail when the host is in the way (issue 12): a read-only state directory is
 * one clear sentence on stderr and exit 1 (it was `ENOENT … mkdir`), and a reader that goes away
 * (`qdhcp netns-cleanup | head`) ends a command quietly (it was an EPIPE stack trace).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deleteBrokerObjects } from '../../src/bus/testing/broker-cleanup.js';
import { repoRoot } from '../support/fixtures.js';
import { canUseNamespaces, Sandbox } from '../support/netns.js';
import { TmpfsMount } from '../support/tmpfs.js';

const skip = canUseNamespaces() ? undefined : 'needs root (mount, namespaces)';
const qdhcp = join(repoRoot(), 'bin', 'qdhcp');
const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
/** Exchange prefix of the agent started here, removed from the broker afterwards. */
const AGENT_PREFIX = `qdhcp-rostate-${process.pid}`;

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs `qdhcp args` (bounded by a timeout, stopped by its PID). With `closedStdout` the read end of its
 * stdout pipe is closed before the program can write, as `| head` does once it has its lines.
 */
function run(args: readonly string[], options: { closedStdout?: boolean } = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(qdhcp, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (options.closedStdout) child.stdout.destroy();
    else child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe('a read-only state directory stops start-up with a clear error', { skip }, () => {
  // Root ignores mode bits: a read-only tmpfs is what "not writable" means for it.
  const tmpfs = new TmpfsMount('qdhcp-rostate-', 'ro,size=64k');
  const readOnly = tmpfs.path;
  before(() => tmpfs.mount());
  after(async () => {
    tmpfs.remove();
    // The agent declared its events exchange on the shared broker before it failed.
    await deleteBrokerObjects(BROKER, AGENT_PREFIX);
  });

  const rows: [string, string[], string][] = [
    [
      'server, state dir to create',
      ['server', '--state-dir', join(readOnly, 'state'), '--bind', '127.0.0.1:0'],
      `qdhcp server: state directory ${readOnly}/state is not usable: cannot create it: read-only file system (EROFS)`,
    ],
    [
      'server, the read-only mount itself',
      ['server', '--state-dir', readOnly, '--bind', '127.0.0.1:0'],
      `qdhcp server: state directory ${readOnly} is not usable: read-only file system (EROFS)`,
    ],
    [
      'agent (after it reached the broker)',
      [
        'agent',
        '--bus',
        `${BROKER}?exchange=${AGENT_PREFIX}`,
        '--host',
        `rostate-${process.pid}`,
        '--state-dir',
        join(readOnly, 'agent'),
      ],
      `qdhcp agent: state directory ${readOnly}/agent is not usable: cannot create it: read-only file system (EROFS)`,
    ],
    [
      'all-in-one',
      ['all-in-one', '--state-dir', join(readOnly, 'var'), '--bind', '127.0.0.1:0'],
      `qdhcp all-in-one: state directory ${readOnly}/var is not usable: cannot create it: read-only file system (EROFS)`,
    ],
  ];
  for (const [label, args, line] of rows) {
    test(label, async () => {
      const finished = await run(args);
      assert.equal(finished.code, 1, finished.stderr);
      assert.ok(finished.stderr.split('\n').includes(line), finished.stderr);
      assert.doesNotMatch(finished.stderr, /ENOENT|unable to open database file/);
    });
  }
});

describe('a closed stdout (EPIPE) ends a command quietly', { skip }, () => {
  const sandbox = new Sandbox('pip');
  before(async () => {
    // A stale DHCP namespace under this test's prefix, so `netns-cleanup --dry-run` has a line to print.
    await sandbox.addNamespace(`qdhcp-${randomUUID()}`);
  });
  after(() => sandbox.teardown());

  const rows: [string, () => string[]][] = [
    ['qdhcp --help', () => ['--help']],
    ['qdhcp server --help', () => ['server', '--help']],
    ['qdhcp serve --help (the bundle)', () => ['serve', '--help']],
    [
      'qdhcp netns-cleanup --dry-run',
      () => ['netns-cleanup', '--dry-run', '--namespace-prefix', `${sandbox.prefix}-`],
    ],
  ];
  for (const [label, args] of rows) {
    test(label, async () => {
      const open = await run(args());
      assert.equal(open.code, 0, `with a reader: ${open.stderr}`);
      const closed = await run(args(), { closedStdout: true });
      assert.equal(closed.stderr, '', 'no stack trace');
      assert.equal(closed.code, 0);
    });
  }
});
