/**
 * Who holds a SQLite database's write lock, as Linux reports it: in WAL mode the writer holds a POSIX
 * lock on byte 120 of the `-shm` file (SQLite's WAL_WRITE_LOCK), listed in /proc/locks with its PID. A
 * write waiting for the lock gives up after 0.5 s when a foreign program holds it (an `sqlite3` shell, a
 * backup: issue 17), but keeps waiting for a peer, another process of this same program (a second `qdhcp
 * server` on the file), whose transaction may just be slow on a loaded machine (`database.ts`).
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';

/** SQLite's WAL_WRITE_LOCK: the first lock byte of the shm file (sqlite3.c, WALINDEX_LOCK_OFFSET). */
const WAL_WRITE_LOCK_OFFSET = 120;

/** `peer`: another process running the same program; `foreign`: anything else, this process included. */
export type WriteLockOwner = 'peer' | 'foreign' | 'unknown';

/** `MAJOR:MINOR:INODE` as /proc/locks prints a file (two hex digits at least each). */
function fileId(dev: number, ino: number): string {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff);
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `${hex(major)}:${hex(minor)}:${ino}`;
}

/** The PID holding the WAL write lock of `dbPath`, from /proc/locks' text; undefined when none is listed. */
export function writeLockPid(procLocks: string, shmFileId: string): number | undefined {
  for (const line of procLocks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 20693 fe:00:2146865 120 120"
    const fields = line.trim().split(/\s+/);
    const [, kind, , mode, pid, file, start] = fields;
    if (kind !== 'POSIX' || mode !== 'WRITE' || file !== shmFileId) continue;
    if (Number(start) !== WAL_WRITE_LOCK_OFFSET) continue;
    const holder = Number(pid);
    return Number.isInteger(holder) && holder > 0 ? holder : undefined;
  }
  return undefined;
}

/** The script a node process runs (its first argument that is not an option), if it can be read. */
async function scriptOf(pid: number): Promise<string | undefined> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return argv.slice(1).find((arg) => !arg.startsWith('-'));
  } catch {
    return undefined;
  }
}

/** Who holds the write lock of the SQLite database at `dbPath` (WAL mode) right now. */
export async function writeLockOwner(dbPath: string): Promise<WriteLockOwner> {
  try {
    const shm = await stat(`${dbPath}-shm`);
    const pid = writeLockPid(await readFile('/proc/locks', 'utf8'), fileId(shm.dev, shm.ino));
    if (pid === undefined) return 'unknown';
    if (pid === process.pid) return 'foreign'; // another connection than our writer, whose turn this is
    const script = await scriptOf(pid);
    return script !== undefined && script === process.argv[1] ? 'peer' : 'foreign';
  } catch {
    return 'unknown';
  }
}
