/**
 * The test command refuses to run without root instead of skipping the namespace tests (issue 11): run as an
 * unprivileged user, scripts/test.sh must exit non-zero at once with a message saying why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';

test('scripts/test.sh run by a non-root user exits non-zero with its message, before doing anything', () => {
  // A copy in a world-readable folder: the checkout may sit below a folder nobody cannot enter (/root), and
  // what is tested is the script's own first step, which runs before it looks at anything beside it.
  const folder = mkdtempSync(join(tmpdir(), 'qtroot-'));
  chmodSync(folder, 0o755);
  mkdirSync(join(folder, 'scripts'), { mode: 0o755 });
  const script = join(folder, 'scripts', 'test.sh');
  copyFileSync(join(repoRoot(), 'scripts', 'test.sh'), script);
  chmodSync(script, 0o755);
  // setpriv (util-linux) drops to nobody without a login shell.
  const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  rmSync(folder, { recursive: true, force: true });
  assert.equal(run.error, undefined, `setpriv ran: ${String(run.error)}`);
  assert.notEqual(run.status, 0, 'a non-root run must fail');
  assert.match(run.stderr, /must run as root/);
  assert.doesNotMatch(run.stderr, /\[setup\]/, 'it stops before set-up');
});
