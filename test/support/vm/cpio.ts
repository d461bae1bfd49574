/**
 * A gzip'd `newc` cpio archive, the format the kernel unpacks as its initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header (magic
 * `070701`, thirteen 8-digit hex fields), the NUL-terminated name padded to 4 bytes, the data padded to 4
 * bytes; the archive ends with the entry `TRAILER!!!`. Test support: no tool (cpio is not installed here).
 *
 * @module
 */
import { gzipSync } from 'node:zlib';

/** One entry: a directory, a file (mode 0o644 or 0o755) or a symbolic link. */
export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly executable?: boolean }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(fields: {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  nameSize: number;
}): Buffer {
  const hex = (value: number) => value.toString(16).padStart(8, '0');
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const values = [
    fields.ino,
    fields.mode,
    0,
    0,
    fields.nlink,
    0,
    fields.size,
    0,
    0,
    0,
    0,
    fields.nameSize,
    0,
  ];
  return Buffer.from(`070701${values.map(hex).join('')}`, 'ascii');
}

/** The archive of `entries` (parents before children), gzip'd. */
export function gzipCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, mode: number, nlink: number, name: string, data: Uint8Array) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const head = header({ ino, mode, nlink, size: data.length, nameSize: nameBytes.length });
    parts.push(head, nameBytes, pad4(head.length + nameBytes.length), Buffer.from(data), pad4(data.length));
  };
  entries.forEach((entry, index) => {
    const name = entry.path.replace(/^\/+/, '');
    if (entry.kind === 'dir') add(index + 1, S_IFDIR | 0o755, 2, name, new Uint8Array());
    else if (entry.kind === 'file')
      add(index + 1, S_IFREG | (entry.executable ? 0o755 : 0o644), 1, name, entry.data);
    else add(index + 1, S_IFLNK | 0o777, 1, name, Buffer.from(entry.target, 'utf8'));
  });
  add(0, 0, 1, 'TRAILER!!!', new Uint8Array());
  return gzipSync(Buffer.concat(parts), { level: 1 });
}
