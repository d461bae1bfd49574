import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Durable replacement of files in one directory: each new content goes to a temporary file that is
 * fsync'ed, then renamed over the target, then the directory is fsync'ed once for the whole batch, so after
 * a crash (or power loss) each file is either its old or its new content, never a torn one, and a rename
 * that returned is on disk. One directory fsync per batch rather than per file: at 1,000 networks the
 * startup snapshot is one batch.
 *
 * @module
 */

/** One file to (re)write, by name inside the directory. */
export interface FileContent {
  readonly name: string;
  readonly content: string;
}

/** Writes `writes` and removes `removals` (names in `directory`), then fsyncs the directory. */
export async function replaceFilesDurably(
  directory: string,
  writes: readonly FileContent[],
  removals: readonly string[],
): Promise<void> {
  const renames: { from: string; to: string }[] = [];
  try {
    for (const { name, content } of writes) {
      const temporary = join(directory, `.${name}.${process.pid}.tmp`);
      renames.push({ from: temporary, to: join(directory, name) });
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const { from, to } of renames) await rename(from, to);
  } catch (error) {
    await Promise.all(renames.map(({ from }) => rm(from, { force: true })));
    throw error;
  }
  for (const name of removals) await rm(join(directory, name), { force: true });
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
