/**
 * The real `openstack` CLI (python3-openstackclient, `--os-auth-type none`) driving `address scope ...`
 * and `subnet pool ...` (create / list / show / set / delete, errors) and subnets allocated from pools
 * (`subnet create --subnet-pool`, `--prefix-length`, `--use-default-subnet-pool`) against a `qdhcp server`
 * process on SQLite (issue 12).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

const run = promisify(execFile);

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('openstack subnet pool / address scope CLI against qdhcp server', () => {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let home = '';

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'qdhcp-osc-pools-'));
    database = await createTestDatabase('sqlite');
    server = await startServerProcess(['--db', database.url, '--state-dir', database.stateDir]);
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  /**
   * Runs `openstack ARGS` with a clean environment (no inherited OS_* variables); the command words come
   * as one first argument (`'subnet pool create'`).
   */
  async function os(command: string, ...args: string[]): Promise<CliResult> {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
    try {
      const { stdout, stderr } = await run(
        'openstack',
        ['--os-auth-type', 'none', '--os-endpoint', server!.url, ...command.split(' '), ...args],
        { env, timeout: 30_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  }
  async function json<T = Record<string, unknown>>(command: string, ...args: string[]): Promise<T> {
    const result = await os(command, ...args, '-f', 'json');
    assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
  async function ok(command: string, ...args: string[]): Promise<void> {
    const result = await os(command, ...args);
    assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
  }
  async function fails(pattern: RegExp, command: string, ...args: string[]): Promise<void> {
    const result = await os(command, ...args);
    assert.notEqual(result.code, 0, `openstack ${command} ${args.join(' ')} should fail`);
    assert.match(result.stderr, pattern);
  }

  test('address scopes, subnet pools and subnets allocated from them', { timeout: 600_000 }, async () => {
    const scope = await json('address scope create', '--ip-version', '4', 'scope1');
    assert.equal(scope['ip_version'], 4);
    assert.equal(scope['shared'], false);
    await ok('address scope set', '--name', 'scope2', String(scope['id']));
    const scopes = await json<{ Name: string }[]>('address scope list');
    assert.deepEqual(
      scopes.map((s) => s.Name),
      ['scope2'],
    );

    const pool = await json(
      'subnet pool create',
      '--pool-prefix',
      '10.50.0.0/16',
      '--default-prefix-length',
      '24',
      '--min-prefix-length',
      '20',
      '--max-prefix-length',
      '28',
      '--address-scope',
      'scope2',
      '--default-quota',
      '4096',
      '--description',
      'first pool',
      'pool1',
    );
    assert.deepEqual(pool['prefixes'], ['10.50.0.0/16']);
    assert.equal(pool['address_scope_id'], scope['id']);
    // The SDK reads the prefix lengths Neutron sends as strings into numbers.
    assert.equal(pool['default_prefixlen'], 24);
    assert.equal(pool['default_quota'], 4096);
    assert.equal(pool['description'], 'first pool');
    assert.equal(pool['is_default'], false);

    // `set --pool-prefix` adds to the prefixes the pool has.
    await ok('subnet pool set', '--pool-prefix', '10.52.0.0/16', '--max-prefix-length', '27', 'pool1');
    const shown = await json('subnet pool show', 'pool1');
    assert.deepEqual(shown['prefixes'], ['10.50.0.0/16', '10.52.0.0/16']);
    assert.equal(shown['max_prefixlen'], 27);
    assert.equal(shown['revision_number'], 1);

    await json('network create', 'net1');
    const first = await json('subnet create', '--network', 'net1', '--subnet-pool', 'pool1', 'sub1');
    assert.equal(first['cidr'], '10.50.0.0/24');
    assert.equal(first['subnetpool_id'], pool['id']);
    assert.equal(first['gateway_ip'], '10.50.0.1');
    const second = await json(
      'subnet create',
      '--network',
      'net1',
      '--subnet-pool',
      'pool1',
      '--prefix-length',
      '26',
      'sub2',
    );
    assert.equal(second['cidr'], '10.50.1.0/26');
    const third = await json(
      'subnet create',
      '--network',
      'net1',
      '--subnet-pool',
      'pool1',
      '--subnet-range',
      '10.52.7.0/24',
      'sub3',
    );
    assert.equal(third['cidr'], '10.52.7.0/24');
    const listed = await json<{ Name: string; Subnet: string }[]>('subnet list', '--subnet-pool', 'pool1');
    assert.deepEqual(listed.map((s) => s.Name).sort(), ['sub1', 'sub2', 'sub3']);

    await fails(
      /maximum allowed prefix is 27/,
      'subnet create',
      '--network',
      'net1',
      '--subnet-pool',
      'pool1',
      '--prefix-length',
      '28',
      'x',
    );
    await fails(/existing allocations/, 'subnet pool delete', 'pool1');
    await fails(/one or more subnet pools in use/, 'address scope delete', 'scope2');
    await fails(
      /must have unique prefixes/,
      'subnet pool create',
      '--pool-prefix',
      '10.52.128.0/24',
      '--address-scope',
      'scope2',
      'pool2',
    );

    // A shared default pool serves --use-default-subnet-pool.
    const fallback = await json(
      'subnet pool create',
      '--default',
      '--share',
      '--pool-prefix',
      '10.60.0.0/16',
      '--default-prefix-length',
      '25',
      'defpool',
    );
    assert.equal(fallback['is_default'], true);
    assert.equal(fallback['shared'], true);
    await json('network create', 'net2');
    const fromDefault = await json(
      'subnet create',
      '--network',
      'net2',
      '--use-default-subnet-pool',
      '--ip-version',
      '4',
      'sub4',
    );
    assert.equal(fromDefault['subnetpool_id'], fallback['id']);
    assert.equal(fromDefault['cidr'], '10.60.0.0/25');
    await fails(
      /default subnetpool for this IP family has already been set/,
      'subnet pool create',
      '--default',
      '--pool-prefix',
      '10.70.0.0/16',
      'def2',
    );

    const pools = await json<{ Name: string; Prefixes: string[] | string }[]>('subnet pool list');
    assert.deepEqual(pools.map((p) => p.Name).sort(), ['defpool', 'pool1']);

    for (const subnet of ['sub1', 'sub2', 'sub3', 'sub4'])
      assert.equal((await os('subnet delete', subnet)).code, 0);
    await ok('subnet pool delete', 'pool1', 'defpool');
    await ok('address scope delete', 'scope2');
    assert.deepEqual(await json('subnet pool list'), []);
    assert.deepEqual(await json('address scope list'), []);
  });
});
