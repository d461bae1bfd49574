/**
 * A `qdhcp server` process on its own SQLite database, started before the suite's tests and stopped after
 * them, with the `openstack` CLI pointed at it (support/openstack-cli.ts): what the CLI e2e tests of each
 * resource share. Call it inside `describe`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from '../e2e/api-server-process.js';
import { type CliResult, runOpenstack } from './openstack-cli.js';

/** The CLI against the suite's server; command words come as one first argument (`'router create'`). */
export interface OpenstackAgainstServer {
  os(command: string, ...args: string[]): Promise<CliResult>;
  /** `-f json` output of a command that must succeed. */
  json<T = Record<string, unknown>>(command: string, ...args: string[]): Promise<T>;
  ok(command: string, ...args: string[]): Promise<void>;
  /** A command that must fail with `pattern` on stderr. */
  fails(pattern: RegExp, command: string, ...args: string[]): Promise<void>;
}

export function openstackAgainstServer(tag: string): OpenstackAgainstServer {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let home = '';
  before(async () => {
    home = mkdtempSync(join(tmpdir(), `qdhcp-osc-${tag}-`));
    database = await createTestDatabase('sqlite');
    server = await startServerProcess(['--db', database.url, '--state-dir', database.stateDir]);
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });
  const os = (command: string, ...args: string[]): Promise<CliResult> => {
    assert.ok(server, 'the server is started before the tests');
    return runOpenstack(server.url, home, [...command.split(' '), ...args], 30_000);
  };
  return {
    os,
    async json<T>(command: string, ...args: string[]): Promise<T> {
      const result = await os(command, ...args, '-f', 'json');
      assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    async ok(command, ...args) {
      const result = await os(command, ...args);
      assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
    },
    async fails(pattern, command, ...args) {
      const result = await os(command, ...args);
      assert.notEqual(result.code, 0, `openstack ${command} ${args.join(' ')} should fail`);
      assert.match(result.stderr, pattern);
    },
  };
}
