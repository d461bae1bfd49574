/**
 * Boots the test guest: an initramfs (busybox, the NIC modules, {@link guestInit}) built from the
 * {@link GuestKit}, and `qemu-system-x86_64` (TCG: there is no KVM here) run inside the test's host
 * namespace, its virtio NIC on an existing tap device there, its serial console written to a file. The
 * guest powers itself off; past the timeout qemu is stopped by its PID. Test support.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ManagedProcess } from '../process.js';
import { type CpioEntry, gzipCpio } from './cpio.js';
import { type GuestChecks, guestInit, guestUdhcpcScript } from './guest-init.js';
import type { GuestKit } from './guest-kit.js';

/** Writes the guest's initramfs (gzip'd newc cpio) to `path`, its `/init` doing `checks` too. */
export async function writeGuestInitrd(kit: GuestKit, path: string, checks: GuestChecks = {}): Promise<void> {
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'etc', 'lib', 'lib/modules', 'proc', 'sys', 'tmp'].map(
      (dir) => ({ kind: 'dir', path: dir }) as const,
    ),
    { kind: 'file', path: 'bin/busybox', data: await readFile(kit.busybox), executable: true },
    {
      kind: 'file',
      path: 'init',
      data: Buffer.from(
        guestInit(
          kit.modules.map((m) => m.name),
          checks,
        ),
      ),
      executable: true,
    },
    { kind: 'file', path: 'etc/udhcpc.script', data: Buffer.from(guestUdhcpcScript()), executable: true },
  ];
  for (const module of kit.modules)
    entries.push({ kind: 'file', path: `lib/modules/${module.name}.ko`, data: await readFile(module.path) });
  await writeFile(path, gzipCpio(entries));
}

/** How one guest boots. */
export interface GuestBootOptions {
  readonly kit: GuestKit;
  readonly initrd: string;
  /** Namespace holding the tap (qemu opens it there). */
  readonly namespace: string;
  readonly tap: string;
  readonly mac: string;
  readonly consolePath: string;
  readonly timeoutMs: number;
}

/** How the boot ended. */
export interface GuestBoot {
  readonly console: string;
  readonly elapsedMs: number;
  /** False when qemu had to be stopped at the timeout. */
  readonly poweredOff: boolean;
  readonly qemuOutput: string;
}

/** Boots the guest and waits (bounded) until it powers off. */
export async function bootGuest(options: GuestBootOptions): Promise<GuestBoot> {
  const started = Date.now();
  const qemu = ManagedProcess.start('qemu', 'ip', [
    ...['netns', 'exec', options.namespace, 'qemu-system-x86_64'],
    ...['-accel', 'tcg', '-m', '256', '-smp', '1'],
    ...['-display', 'none', '-nodefaults', '-no-reboot', '-monitor', 'none'],
    ...['-serial', `file:${options.consolePath}`],
    ...['-kernel', options.kit.kernel, '-initrd', options.initrd],
    // panic=1 + -no-reboot: if /init dies, qemu exits instead of hanging until the timeout.
    ...['-append', 'console=ttyS0 panic=1 loglevel=4'],
    ...['-netdev', `tap,id=n0,ifname=${options.tap},script=no,downscript=no`],
    ...['-device', `virtio-net-pci,netdev=n0,mac=${options.mac},romfile=`],
  ]);
  let poweredOff = await qemu.waitForExit(options.timeoutMs);
  if (!poweredOff) await qemu.stop();
  poweredOff &&= qemu.exit?.code === 0;
  const console = await readFile(options.consolePath, 'utf8').catch(() => '');
  return { console, elapsedMs: Date.now() - started, poweredOff, qemuOutput: qemu.output() };
}
