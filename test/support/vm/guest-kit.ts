/**
 * What a test VM boots: Debian's kernel (`linux-image-<version>-amd64`, the one `linux-image-amd64` points
 * to), the virtio NIC modules it needs (virtio_net and its dependencies, in load order, read from each
 * module's `depends=`), and a static busybox (`busybox-static`). The packages are fetched with
 * `apt-get download` and only the needed files are extracted with `dpkg-deb | tar` into a cache directory
 * (`/var/cache/qdhcp-test-guest`, or `QDHCP_TEST_GUEST_CACHE`): nothing is installed on the host, and a
 * second run reuses the cache. qemu itself is installed with apt-get when missing (`--no-install-recommends`).
 * Every command is bounded. Test support.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The kernel's modules the guest loads to get a virtio NIC (plus their dependencies). */
const WANTED_MODULES = ['virtio_pci', 'virtio_net'];
/** Files extracted from the kernel package: the kernel and every module the wanted ones may need. */
const KERNEL_PATTERNS = [
  '*/vmlinuz-*',
  '*/virtio.ko',
  '*/virtio_ring.ko',
  '*/virtio_pci*.ko',
  '*/virtio_net.ko',
  '*/net_failover.ko',
  '*/failover.ko',
];

/** A kernel module file and its name. */
export interface GuestModule {
  readonly name: string;
  readonly path: string;
}

/** The cached parts of a guest. */
export interface GuestKit {
  readonly kernelPackage: string;
  readonly kernel: string;
  /** In load order (dependencies first). */
  readonly modules: readonly GuestModule[];
  readonly busybox: string;
}

function cacheRoot(): string {
  return process.env['QDHCP_TEST_GUEST_CACHE'] ?? '/var/cache/qdhcp-test-guest';
}

async function sh(script: string, args: readonly string[], timeoutMs: number, cwd?: string) {
  return run('/bin/sh', ['-c', script, 'sh', ...args], {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    ...(cwd !== undefined && { cwd }),
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Installs qemu-system-x86 when `qemu-system-x86_64` is missing (apt's lock shared with others: waited for). */
export async function ensureQemu(): Promise<void> {
  if (existsSync('/usr/bin/qemu-system-x86_64')) return;
  await sh(
    'apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 qemu-system-x86',
    [],
    900_000,
  );
}

/** `linux-image-<version>-amd64`, the package `linux-image-amd64` depends on (apt lists updated if needed). */
async function kernelPackage(): Promise<string> {
  const find = async () =>
    /Depends: (linux-image-\S+)/.exec(
      (await sh('apt-cache depends linux-image-amd64', [], 60_000)).stdout,
    )?.[1];
  let found = await find().catch(() => undefined);
  if (found === undefined) {
    // No package lists yet (a fresh machine): fetch them once.
    await sh('apt-get update', [], 300_000);
    found = await find();
  }
  if (found === undefined) throw new Error('apt-cache knows no linux-image-amd64');
  return found;
}

/** Downloads `pkg` and extracts the files matching `patterns` into `dir` (made atomically; a concurrent install's copy wins). */
async function extractPackage(pkg: string, patterns: readonly string[], dir: string): Promise<void> {
  if (existsSync(dir)) return;
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'files'), { recursive: true });
  await sh('apt-get download "$1"', [pkg], 300_000, staging);
  const deb = (await readdir(staging)).find((name) => name.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download ${pkg}: no .deb`);
  await sh(
    'deb=$1; dir=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "$@"',
    [join(staging, deb), join(staging, 'files'), ...patterns],
    120_000,
  );
  await rm(join(staging, deb));
  try {
    await rename(staging, dir);
  } catch (error) {
    // Two test files install the guest at once on a fresh machine: the other one's copy is as good.
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(dir)) throw error;
    await rm(staging, { recursive: true, force: true });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** `depends=` of a module (its `.modinfo` strings): the modules that must be loaded before it. */
function moduleDepends(bytes: Buffer): string[] {
  const at = bytes.indexOf('\0depends=');
  if (at < 0) return [];
  const end = bytes.indexOf(0, at + 1);
  const list = bytes.subarray(at + '\0depends='.length, end).toString('utf8');
  return list === '' ? [] : list.split(',');
}

/** The wanted modules and their dependencies, dependencies first. */
async function loadOrder(files: readonly string[]): Promise<GuestModule[]> {
  const byName = new Map(
    files
      .filter((f) => f.endsWith('.ko'))
      .map((f) => [f.slice(f.lastIndexOf('/') + 1, -3).replaceAll('-', '_'), f]),
  );
  const ordered: GuestModule[] = [];
  const visit = async (name: string, path: readonly string[]): Promise<void> => {
    if (ordered.some((m) => m.name === name)) return;
    if (path.includes(name)) throw new Error(`module dependency cycle: ${[...path, name].join(' → ')}`);
    const file = byName.get(name);
    if (file === undefined) throw new Error(`module ${name} not extracted (wanted by ${path.join(' → ')})`);
    for (const dep of moduleDepends(await readFile(file))) await visit(dep, [...path, name]);
    ordered.push({ name, path: file });
  };
  for (const name of WANTED_MODULES) await visit(name, []);
  return ordered;
}

/** The kernel, its virtio NIC modules and busybox, fetched once into the cache. */
export async function guestKit(): Promise<GuestKit> {
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  const pkg = await kernelPackage();
  const kernelDir = join(root, pkg);
  await extractPackage(pkg, KERNEL_PATTERNS, kernelDir);
  const busyboxDir = join(root, 'busybox-static');
  await extractPackage('busybox-static', ['./bin/busybox'], busyboxDir);
  const files = await filesUnder(join(kernelDir, 'files'));
  const kernel = files.find((f) => /\/vmlinuz-[^/]+$/.test(f));
  if (kernel === undefined) throw new Error(`${pkg}: no vmlinuz`);
  return {
    kernelPackage: pkg,
    kernel,
    modules: await loadOrder(files),
    busybox: join(busyboxDir, 'files', 'bin', 'busybox'),
  };
}

/**
 * qemu and the guest kit, or why they could not be had (no package source reachable: the machine lost its
 * DNS), said once on stdout so the VM test can skip rather than fail on something that is not qdhcp's.
 */
export async function guestKitOrWhyNot(test: string): Promise<{ kit?: GuestKit; unavailable?: string }> {
  try {
    await ensureQemu();
    return { kit: await guestKit() };
  } catch (error) {
    const unavailable = `qemu or the guest kernel could not be installed: ${String(error).split('\n').slice(0, 3).join(' ')}`;
    console.log(`# ${test} skipped: ${unavailable}`);
    return { unavailable };
  }
}
