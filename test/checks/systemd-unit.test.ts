/**
 * The systemd unit in packaging/ (docs/agent.md "Restart and upgrade without a gap") is one systemd accepts:
 * `systemd-analyze verify` on a copy whose paths point into this checkout (verify insists that ExecStart's
 * binary exists). systemd need not be PID 1 for this.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';

const unit = readFileSync(join(repoRoot(), 'packaging', 'systemd', 'qdhcp-agent.service'), 'utf8');

test('packaging/systemd/qdhcp-agent.service passes systemd-analyze verify', () => {
  const folder = mkdtempSync(join(tmpdir(), 'qdhcp-unit-'));
  try {
    const copy = join(folder, 'qdhcp-agent.service');
    writeFileSync(copy, unit.replaceAll('/opt/qdhcp', repoRoot()));
    const run = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.error, undefined, `systemd-analyze ran: ${String(run.error)}`);
    assert.equal(run.status, 0, run.stderr);
    // Warnings about this unit (not about the host's other units) fail the check too.
    const about = run.stderr.split('\n').filter((line) => line.includes('qdhcp-agent.service'));
    assert.deepEqual(about, []);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the unit reloads by handing over: Type=notify, NotifyAccess=all, ExecReload sends SIGHUP', () => {
  assert.match(unit, /^Type=notify$/m);
  assert.match(unit, /^NotifyAccess=all$/m);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
});
