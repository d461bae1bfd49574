/**
 * `qdhcp instance create|show|list|delete` against a real `qdhcp server` process (token auth, SQLite):
 * what the records hold, what happens to the ports, and the exit codes of refused and mistaken calls.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { QDHCP_MAIN, type ServerProcess, startServerProcess } from './api-server-process.js';

const run = promisify(execFile);
const TOKEN = 'clitoken';

let dir: string;
let server: ServerProcess;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(args: readonly string[], token: string | null = TOKEN): Promise<CliResult> {
  const auth = token === null ? [] : ['--token', token];
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [QDHCP_MAIN, 'instance', ...args, '--api', server.url, ...auth],
      { timeout: 20_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': TOKEN },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function newPort(networkId: string, attributes: Record<string, unknown> = {}): Promise<string> {
  return (
    (await api('POST', '/v2.0/ports', { port: { network_id: networkId, ...attributes } }))['port'] as {
      id: string;
    }
  ).id;
}

async function portOf(id: string): Promise<{ device_id: string; device_owner: string }> {
  const port = (await api('GET', `/v2.0/ports/${id}`))['port'] as { device_id: string; device_owner: string };
  return { device_id: port.device_id, device_owner: port.device_owner };
}

let networkId: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdhcp-instance-cli-'));
  server = await startServerProcess([
    '--state-dir',
    dir,
    '--auth-strategy',
    'token',
    '--static-tokens',
    `${TOKEN}:demo:admin`,
  ]);
  networkId = (
    (await api('POST', '/v2.0/networks', { network: { name: 'cli-net' } }))['network'] as { id: string }
  ).id;
  await api('POST', '/v2.0/subnets', {
    subnet: { network_id: networkId, cidr: '10.80.0.0/24', ip_version: 4 },
  });
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('create with ports, key file, user data and properties; show, list and delete by name', async () => {
  const [a, b] = [await newPort(networkId), await newPort(networkId)];
  const keyFile = join(dir, 'id.pub');
  writeFileSync(keyFile, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 cli@test\n');
  const userData = join(dir, 'user-data');
  writeFileSync(userData, '#cloud-config\nruncmd:\n  - echo hi\n');
  const created = await cli([
    'create',
    '--name',
    'cli vm',
    '--port',
    a,
    '--port',
    b,
    '--key-file',
    keyFile,
    '--user-data',
    userData,
    '--property',
    'role=web',
    '--property',
    'tier=a=b',
    '--availability-zone',
    'az1',
    '-f',
    'json',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const instance = JSON.parse(created.stdout) as Record<string, unknown>;
  assert.equal(instance['name'], 'cli vm');
  assert.equal(instance['hostname'], 'cli-vm');
  assert.equal(instance['project_id'], 'demo');
  assert.equal(instance['availability_zone'], 'az1');
  assert.deepEqual(instance['public_keys'], { default: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 cli@test' });
  assert.deepEqual(instance['metadata'], { role: 'web', tier: 'a=b' });
  assert.equal(
    Buffer.from(String(instance['user_data']), 'base64').toString(),
    '#cloud-config\nruncmd:\n  - echo hi\n',
  );
  for (const port of [a, b])
    assert.deepEqual(await portOf(port), { device_id: instance['id'], device_owner: 'compute:qdhcp' });

  const shown = await cli(['show', 'cli vm']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^\| Field +\| Value +\|$/m);
  assert.match(shown.stdout, /^\| hostname +\| cli-vm +\|$/m);
  assert.match(shown.stdout, /^\| user_data +\| 34 bytes +\|$/m);
  assert.match(shown.stdout, /^\| metadata +\| role='web', tier='a=b' +\|$/m);

  const listed = await cli(['list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^\\| ${instance['id']} \\| cli vm +\\| cli-vm +\\|`, 'm'));
  const listedJson = JSON.parse((await cli(['list', '-f', 'json'])).stdout) as { id: string }[];
  assert.deepEqual(
    listedJson.map((i) => i.id),
    [instance['id']],
  );

  const deleted = await cli(['delete', 'cli vm']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, `instance ${instance['id']} deleted\n`);
  for (const port of [a, b]) assert.deepEqual(await portOf(port), { device_id: '', device_owner: '' });
  const gone = await cli(['show', String(instance['id'])]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /instance ".*": 0 instances match/);
});

test('refused by the server: exit 1 with the NeutronError message', async () => {
  const taken = await newPort(networkId, { device_id: 'another-vm' });
  const inUse = await cli(['create', '--name', 'x', '--port', taken]);
  assert.equal(inUse.code, 1);
  assert.match(
    inUse.stderr,
    /^qdhcp instance: POST \/v2\.0\/qdhcp\/instances: 409 .*Port already has an attached device another-vm/,
  );
  const unknown = await cli(['create', '--name', 'x', '--port', '6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /404 Port 6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11 could not be found/);
  const badHost = await cli(['create', '--name', 'x', '--hostname', 'no_underscores', '--port', taken]);
  assert.equal(badHost.code, 1);
  assert.match(badHost.stderr, /400 Invalid input for hostname/);
  const noToken = await cli(['list'], null);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /401 Authentication required/);
});

test('usage mistakes: exit 2 before any call', async () => {
  const port = await newPort(networkId);
  const cases: [string[], RegExp][] = [
    [['create', '--name', 'x'], /at least one --port/],
    [
      ['create', '--name', 'x', '--port', port, '--property', 'novalue'],
      /--property "novalue": expected KEY=VALUE/,
    ],
    [['create', '--name', 'x', '--port', port, '--user-data', join(dir, 'missing')], /--user-data .*ENOENT/],
    [['create', '--name', 'x', '--port', port, '--key', 'k', '--key-file', 'f'], /exclude each other/],
    [['create', '--port', port], /required option '--name <name>'/],
    [['list', '-f', 'yaml'], /--format yaml: expected table or json/],
    [['list', '--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  assert.equal((await portOf(port)).device_id, '', 'nothing was created');
  const help = await cli(['create', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--key-file <file>/);
});
