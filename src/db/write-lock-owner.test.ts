import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { holdSqliteWriteLock } from '../../test/support/sqlite-lock-holder.js';
import { openDatabase } from './database.js';
import { writeLockOwner, writeLockPid } from './write-lock-owner.js';

const SHM = 'fe:00:2146865';

test('writeLockPid: the WRITE lock on byte 120 of the shm file, nothing else', () => {
  const cases: [string, string, number | undefined][] = [
    ['the writer', `1: POSIX  ADVISORY  WRITE 20693 ${SHM} 120 120`, 20693],
    ['a reader lock on the same file', `2: POSIX  ADVISORY  READ 20693 ${SHM} 124 124`, undefined],
    ['a WRITE on another byte', `1: POSIX  ADVISORY  WRITE 20693 ${SHM} 128 128`, undefined],
    ['another file', '1: POSIX  ADVISORY  WRITE 20693 fe:00:99 120 120', undefined],
    ['a flock', `1: FLOCK  ADVISORY  WRITE 20693 ${SHM} 0 EOF`, undefined],
    ['an OFD lock (no pid)', `1: OFDLCK ADVISORY  WRITE -1 ${SHM} 120 120`, undefined],
    [
      'among others',
      [
        `1: POSIX  ADVISORY  READ 77 ${SHM} 128 128`,
        '2: FLOCK  ADVISORY  WRITE 5 00:1a:3 0 EOF',
        `3: POSIX  ADVISORY  WRITE 4242 ${SHM} 120 120`,
      ].join('\n'),
      4242,
    ],
    ['empty', '', undefined],
  ];
  for (const [label, text, pid] of cases) assert.equal(writeLockPid(text, SHM), pid, label);
});

test('writeLockPid never throws and only returns positive integers, whatever /proc/locks holds', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      const pid = writeLockPid(text, SHM);
      assert.ok(pid === undefined || (Number.isInteger(pid) && pid > 0));
    }),
  );
});

test('writeLockOwner: another program holding the lock is foreign; nobody holding it is unknown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-lockowner-'));
  const path = join(dir, 'qdhcp.sqlite');
  const database = await openDatabase(`sqlite:${path}`, dir);
  t.after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(await writeLockOwner(path), 'unknown');
  const holder = await holdSqliteWriteLock(path, 10_000);
  t.after(() => holder.stop());
  assert.equal(await writeLockOwner(path), 'foreign');
  await holder.stop();
  assert.equal(await writeLockOwner(path), 'unknown');
});
