/**
 * Token auth with the real `openstack` CLI: `--os-auth-type admin_token --os-token T` sends
 * `X-Auth-Token: T`; a configured static token acts as its project, an unknown one is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createSqliteTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

const run = promisify(execFile);
let database: TestDatabase | undefined;
let server: ServerProcess | undefined;
let home = '';

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'qdhcp-osc-token-'));
  database = createSqliteTestDatabase();
  server = await startServerProcess([
    '--db',
    database.url,
    '--auth-strategy',
    'token',
    '--static-tokens',
    's3cret:demo:member,adm1n:admin:admin',
  ]);
});
after(async () => {
  await server?.stop();
  await database?.drop();
  rmSync(home, { recursive: true, force: true });
});

async function os(
  token: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  const argv = ['--os-auth-type', 'admin_token', '--os-token', token, '--os-endpoint', server!.url, ...args];
  try {
    const { stdout, stderr } = await run('openstack', argv, { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('a static token acts as its project; an unknown token is 401', { timeout: 60_000 }, async () => {
  const created = await os('s3cret', 'network', 'create', 'tok', '-f', 'json');
  assert.equal(created.code, 0, created.stderr);
  assert.equal((JSON.parse(created.stdout) as { project_id: string }).project_id, 'demo');
  const refused = await os('wrong', 'network', 'list');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /401/);
});
