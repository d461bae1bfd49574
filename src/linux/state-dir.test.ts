import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TmpfsMount } from '../../test/support/tmpfs.js';
import { isQdhcpError } from '../common/errors.js';
import { ensureStateDir } from './state-dir.js';

/** The coded error's message, or a failure when it threw something else (or nothing). */
function refusal(path: string): string {
  try {
    ensureStateDir(path);
  } catch (error) {
    assert.ok(isQdhcpError(error, 'STATE_DIR_UNUSABLE'), String(error));
    return error.message;
  }
  assert.fail(`${path} was accepted`);
}

describe('ensureStateDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'qdhcp-statedir-'));
  // Root ignores mode bits, so "not writable" is a read-only mount.
  const tmpfs = new TmpfsMount('qdhcp-statedir-ro-', 'ro,size=64k');
  const readOnly = tmpfs.path;
  before(() => tmpfs.mount());
  after(() => {
    tmpfs.remove();
    rmSync(root, { recursive: true, force: true });
  });

  test('creates missing levels and returns the absolute path', () => {
    const wanted = join(root, 'a', 'b', 'c');
    assert.equal(ensureStateDir(wanted), wanted);
    assert.ok(statSync(wanted).isDirectory());
    assert.equal(ensureStateDir(wanted), wanted, 'an existing directory is fine');
  });

  test('each unusable case names the directory and its cause', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    const rows: [string, string][] = [
      [readOnly, `state directory ${readOnly} is not usable: read-only file system (EROFS)`],
      [
        join(readOnly, 'state'),
        `state directory ${readOnly}/state is not usable: cannot create it: read-only file system (EROFS)`,
      ],
      [
        join(readOnly, 'x', 'y'),
        `state directory ${readOnly}/x/y is not usable: cannot create it: read-only file system (EROFS)`,
      ],
      [file, `state directory ${file} is not usable: it is not a directory`],
      [
        join(file, 'below'),
        `state directory ${file}/below is not usable: cannot create it: a part of the path is not a directory (ENOTDIR)`,
      ],
    ];
    for (const [path, message] of rows) assert.equal(refusal(path), message, path);
  });
});
