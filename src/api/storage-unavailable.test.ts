/**
 * The host fails the database, not the request: a full disk (a small tmpfs this test mounts) and a
 * SQLite lock another connection holds past the write's lock wait (0.5 s, src/db/database.ts) are 503 ServiceUnavailable NeutronErrors,
 * not bare 500s; what was stored stays readable and unchanged, and writes work again once the cause is
 * gone. Runs as root (mount), like the rest of the test command.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { TmpfsMount } from '../../test/support/tmpfs.js';
import { defaultConfig } from '../common/config.js';
import { buildControlPlane, type ControlPlane } from '../main/server.js';
import { TEST_CONFIG } from './testing/test-harness.js';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function request(plane: ControlPlane, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) {
  const response = await plane.api.inject({
    method,
    url,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown>,
  } as Answer;
}

/** Writes zeros into `path` until the file system refuses (ENOSPC); bounded by the mount's size. */
function fill(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < 1024; i++) writeSync(fd, chunk);
    assert.fail('the tmpfs never filled up');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe('a full disk is 503 ServiceUnavailable', () => {
  const tmpfs = new TmpfsMount('qdhcp-full-', 'size=8m,mode=0700');
  const mountPoint = tmpfs.path;
  let plane: ControlPlane | undefined;
  before(async () => {
    tmpfs.mount();
    plane = await buildControlPlane(defaultConfig({ ...TEST_CONFIG, state_dir: join(mountPoint, 'state') }));
  });
  after(async () => {
    await plane?.close();
    tmpfs.remove();
  });

  test('writes are 503 while the disk is full, reads unchanged, writes work again after', async () => {
    const created = await request(plane!, 'POST', '/v2.0/networks', { network: { name: 'before' } });
    assert.equal(created.status, 201);
    const id = (created.body['network'] as { id: string }).id;
    const filler = join(mountPoint, 'filler');
    fill(filler);
    const unavailable = {
      NeutronError: {
        type: 'ServiceUnavailable',
        message: 'The service is unavailable: no space left to store the change.',
        detail: '',
      },
    };
    // Every commit appends pages to the WAL (until a checkpoint), so even a small change needs space.
    const description = 'd'.repeat(255);
    const bulk = Array.from({ length: 100 }, (_, i) => ({ name: `bulk-${i}`, description }));
    const writes: [string, 'POST' | 'PUT', string, unknown][] = [
      ['create', 'POST', '/v2.0/networks', { network: { name: 'during' } }],
      ['update', 'PUT', `/v2.0/networks/${id}`, { network: { name: 'during', description } }],
      ['bulk create', 'POST', '/v2.0/networks', { networks: bulk }],
    ];
    for (const [label, method, url, body] of writes) {
      assert.deepEqual(await request(plane!, method, url, body), { status: 503, body: unavailable }, label);
    }
    const listed = await request(plane!, 'GET', '/v2.0/networks');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body['networks'] as { name: string }[]).map((n) => n.name),
      ['before'],
    );
    rmSync(filler);
    const again = await request(plane!, 'PUT', `/v2.0/networks/${id}`, { network: { name: 'after' } });
    assert.equal(again.status, 200);
    assert.equal((again.body['network'] as { name: string }).name, 'after');
  });
});

describe('a SQLite lock held past the lock wait is 503 ServiceUnavailable', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'qdhcp-locked-'));
  let plane: ControlPlane | undefined;
  let holder: SQLite.Database | undefined;
  before(async () => {
    plane = await buildControlPlane(defaultConfig({ ...TEST_CONFIG, state_dir: stateDir }));
  });
  after(async () => {
    holder?.close();
    await plane?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a write waits out the lock wait, answers 503 within 1 s, and works once the lock is released', async () => {
    // The same write once unlocked first: the timing below is the lock wait, not the first request's warm-up.
    const warm = await request(plane!, 'POST', '/v2.0/networks', { network: { name: 'warm-up' } });
    assert.equal(warm.status, 201);
    holder = new SQLite(join(stateDir, 'qdhcp.sqlite'));
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const refused = await request(plane!, 'POST', '/v2.0/networks', { network: { name: 'blocked' } });
    const waited = Date.now() - started;
    assert.deepEqual(refused, {
      status: 503,
      body: {
        NeutronError: {
          type: 'ServiceUnavailable',
          message: 'The service is unavailable: the database stayed locked for 500 ms.',
          detail: '',
        },
      },
    });
    // Generous for a loaded machine at nice 19; the synchronous busy wait before issue 17 took 5 s here.
    assert.ok(waited >= 400 && waited < 2000, `waited the lock wait once, not 25 times (${waited} ms)`);
    assert.equal((await request(plane!, 'GET', '/v2.0/networks')).status, 200, 'reads go on (WAL)');
    holder.exec('ROLLBACK');
    const created = await request(plane!, 'POST', '/v2.0/networks', { network: { name: 'free' } });
    assert.equal(created.status, 201);
  });
});
