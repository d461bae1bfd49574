/**
 * The state directory (SQLite file, agent socket, dnsmasq files): created if missing and proved
 * writable at start-up, so that a read-only mount, a permission problem or a file in the way stops the
 * process with one clear sentence (`state directory /x is not usable: read-only file system (EROFS)`)
 * instead of a driver's error from deep inside (Node's recursive mkdir reports ENOENT for a read-only
 * parent; SQLite says "unable to open database file").
 *
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { QdhcpError } from '../common/errors.js';

/** Node's errno codes, in the words of strerror(3). */
const CAUSES: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
};

function cause(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const text = CAUSES[code];
  if (text !== undefined) return `${text} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Makes sure `path` is a directory this process can write, creating it (and missing parents) one level
 * at a time so that the level that fails reports its own errno. Returns the absolute path; throws
 * STATE_DIR_UNUSABLE naming the directory and the cause.
 */
export function ensureStateDir(path: string): string {
  const absolute = resolve(path);
  const missing: string[] = [];
  for (let current = absolute; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  try {
    for (const directory of missing) mkdirSync(directory);
  } catch (error) {
    throw new QdhcpError(
      'STATE_DIR_UNUSABLE',
      { path: absolute, reason: `cannot create it: ${cause(error)}` },
      { cause: error },
    );
  }
  if (!statSync(absolute).isDirectory())
    throw new QdhcpError('STATE_DIR_UNUSABLE', { path: absolute, reason: 'it is not a directory' });
  try {
    // access(2) asks for write permission the way open would: EROFS even for root on a read-only mount.
    accessSync(absolute, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new QdhcpError('STATE_DIR_UNUSABLE', { path: absolute, reason: cause(error) }, { cause: error });
  }
  return absolute;
}
