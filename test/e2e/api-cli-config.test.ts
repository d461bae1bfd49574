/**
 * `qdhcp server` / `qdhcp all-in-one` refuse bad configuration with a clear message and exit status 2,
 * before opening anything.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { QDHCP_MAIN } from './api-server-process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'qdhcp-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function exitOf(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [QDHCP_MAIN, ...args], { timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

test('bad configuration exits 2 naming the option', async () => {
  const file = join(dir, 'bad.ini');
  writeFileSync(file, '[DEFAULT]\n# a comment\ndhcp_lease_duration = 600\nbogus_option = 1\n');
  const fromFile = await exitOf(['server', '--config', file, '--state-dir', dir]);
  assert.equal(fromFile.code, 2);
  assert.match(fromFile.stderr, /bad\.ini:4 \[DEFAULT\] bogus_option: unknown option/);
  const fromFlag = await exitOf(['all-in-one', '--dhcp-lease-duration', 'soon', '--state-dir', dir]);
  assert.equal(fromFlag.code, 2);
  assert.match(fromFlag.stderr, /--dhcp-lease-duration: "soon" is not an integer/);
  const missing = await exitOf(['server', '--config', join(dir, 'nope.ini')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read/);
});

test('--help lists every option with its config key', async () => {
  const { stdout } = await run(process.execPath, [QDHCP_MAIN, 'server', '--help'], { timeout: 20_000 });
  for (const flag of [
    '--bind',
    '--state-dir',
    '--db',
    '--bus',
    '--config',
    '--base-mac',
    '--network-vlan-ranges',
    '--auth-strategy',
  ]) {
    assert.ok(stdout.includes(flag), flag);
  }
});
