import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A tmpfs for what root cannot get from mode bits: a read-only file system (`ro`) or a full disk (a small
 * `size`). The path is known at once (tables of cases can name it); `mount()` goes in a `before`,
 * `remove()` in the `after`: it unmounts when mounted and deletes the directory, safe after a failed
 * mount and twice.
 */
export class TmpfsMount {
  readonly path: string;
  private readonly root: string;
  private mounted = false;

  /** `prefix` names the directory under the system's tmpdir; `options` are mount's (e.g. `ro,size=64k`). */
  constructor(
    prefix: string,
    private readonly options: string,
  ) {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    this.path = join(this.root, 'mnt');
  }

  mount(): void {
    mkdirSync(this.path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', this.options, 'tmpfs', this.path]);
    this.mounted = true;
  }

  remove(): void {
    if (this.mounted) execFileSync('umount', [this.path]);
    this.mounted = false;
    rmSync(this.root, { recursive: true, force: true });
  }
}
