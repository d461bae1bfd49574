/**
 * Another process holding a SQLite database's write lock, as a backup, an `sqlite3` shell or a forgotten
 * `BEGIN IMMEDIATE` would (issue 17): a node child that opens the file, takes the lock with `BEGIN
 * IMMEDIATE`, prints `locked`, and rolls back after `holdMs` (or on SIGTERM), printing `released`. The
 * same file is the child's program (run with `node sqlite-lock-holder.js PATH HOLD_MS`).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { ManagedProcess } from './process.js';

/** A child process holding the write lock of one database. */
export interface SqliteLockHolder {
  readonly process: ManagedProcess;
  /** Resolves when the child has rolled back and printed `released`. */
  released(timeoutMs: number): Promise<void>;
  /** Ends the hold early (SIGTERM: the child rolls back) and waits for the child to exit. */
  stop(): Promise<void>;
}

/** Starts the holder and resolves once it holds the lock. */
export async function holdSqliteWriteLock(path: string, holdMs: number): Promise<SqliteLockHolder> {
  const child = ManagedProcess.start('sqlite-lock-holder', process.execPath, [
    fileURLToPath(import.meta.url),
    path,
    String(holdMs),
  ]);
  try {
    await child.waitForOutput(/^locked$/m, 10_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    process: child,
    released: async (timeoutMs) => {
      await child.waitForOutput(/^released$/m, timeoutMs);
    },
    stop: () => child.stop(),
  };
}

/** The child: take the lock, keep it `holdMs`, give it back. */
function holdLock(path: string, holdMs: number): void {
  const connection = new SQLite(path, { timeout: 10_000 });
  connection.exec('BEGIN IMMEDIATE');
  process.stdout.write('locked\n');
  const release = (): void => {
    connection.exec('ROLLBACK');
    connection.close();
    process.stdout.write('released\n');
    process.exit(0);
  };
  const timer = setTimeout(release, holdMs);
  process.once('SIGTERM', () => {
    clearTimeout(timer);
    release();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, holdMs] = process.argv.slice(2);
  if (path === undefined || holdMs === undefined || !Number.isFinite(Number(holdMs))) {
    process.stderr.write('usage: sqlite-lock-holder PATH HOLD_MS\n');
    process.exit(2);
  }
  holdLock(path, Number(holdMs));
}
