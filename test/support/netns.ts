import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareNetnsResolvConf, removeNetnsEtc } from '../../src/linux/netns-etc.js';
import { type CommandResult, type RunOptions, runCommand } from '../../src/linux/run-command.js';
import { ManagedProcess } from './process.js';

/**
 * Network-namespace sandboxes for end-to-end tests. Everything a {@link Sandbox} creates (namespaces,
 * devices inside them, processes, a temp dir) is named with one unique prefix and removed by
 * {@link Sandbox.teardown}, which is safe to call on failure and more than once. Devices are created
 * inside namespaces (veth peers are moved straight into the peer namespace), so the root namespace never
 * sees a test device, address or route.
 */

/** True when this process may create namespaces (root with `ip`); e2e tests skip with a reason otherwise. */
export function canUseNamespaces(): boolean {
  return process.getuid?.() === 0;
}

/** A short unique prefix (interface names are limited to 15 bytes): `q` + tag + pid/random suffix. */
export function uniquePrefix(tag: string): string {
  const pidPart = (process.pid % 46656).toString(36).padStart(3, '0');
  return `q${tag.slice(0, 3)}${pidPart}${randomBytes(2).toString('hex').slice(0, 3)}`;
}

/** One namespace created by a sandbox. */
export class Namespace {
  constructor(readonly name: string) {}

  /** Runs `ip -n NS ARGS`. */
  ip(args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return runCommand('ip', ['-n', this.name, ...args], options);
  }

  /** Runs a program inside the namespace and waits for it (with a timeout). */
  exec(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return runCommand('ip', ['netns', 'exec', this.name, file, ...args], options);
  }
}

/** Creates namespaces, bridges, veths and processes under one prefix, and removes them all. */
export class Sandbox {
  readonly prefix: string;
  readonly workDir: string;
  private readonly namespaces: Namespace[] = [];
  private readonly processes: ManagedProcess[] = [];
  private tornDown = false;

  constructor(tag: string) {
    this.prefix = uniquePrefix(tag);
    this.workDir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  }

  /**
   * Creates namespace `<prefix>-<suffix>` with loopback up, and its own `/etc/netns/<name>/resolv.conf`:
   * `ip netns exec` mounts it over `/etc/resolv.conf`, so a DHCP client run there with its hooks on (dhcpcd,
   * dhclient-script) writes that file, never the host's. A dhcpcd test without it once left this machine
   * with no DNS.
   */
  async addNamespace(suffix: string): Promise<Namespace> {
    const namespace = new Namespace(`${this.prefix}-${suffix}`);
    writeFileSync(
      await prepareNetnsResolvConf(namespace.name),
      `# test namespace ${namespace.name}: what a client writes here stays here\n`,
    );
    // As src/linux/network-plumbing.ts `ensureNamespace`: `ip netns add` waits on the kernel's namespace
    // locks and takes > 10 s while another process tears down hundreds of namespaces (CI beside benches).
    // Tracked before it is made: an `ip netns add` killed by its timeout leaves the name behind, and the
    // teardown removes it too (it tolerates a namespace that never came to be).
    this.namespaces.push(namespace);
    await runCommand('ip', ['netns', 'add', namespace.name], { timeoutMs: 30_000 });
    await namespace.ip(['link', 'set', 'lo', 'up']);
    return namespace;
  }

  /** A device name under this sandbox's prefix (≤ 15 bytes). */
  device(suffix: string): string {
    const name = `${this.prefix}${suffix}`;
    if (name.length > 15) throw new Error(`device name too long: ${name}`);
    return name;
  }

  /** Creates a bridge inside `namespace`, optionally with addresses (`10.77.0.1/16`), and sets it up. */
  async addBridge(namespace: Namespace, name: string, addresses: readonly string[] = []): Promise<void> {
    await namespace.ip(['link', 'add', name, 'type', 'bridge']);
    for (const address of addresses) await namespace.ip(['addr', 'add', address, 'dev', name]);
    await namespace.ip(['link', 'set', name, 'up']);
  }

  /**
   * Creates a veth pair with `localName` in `local` and `peerName` in `peer` (moved at creation, never in
   * the root namespace). Optional: enslave the local end to a bridge, set the peer MAC and addresses.
   */
  async addVeth(
    local: Namespace,
    localName: string,
    peer: Namespace,
    peerName: string,
    options: {
      bridge?: string;
      peerMac?: string;
      localAddresses?: readonly string[];
      peerAddresses?: readonly string[];
    } = {},
  ): Promise<void> {
    await local.ip(['link', 'add', localName, 'type', 'veth', 'peer', 'name', peerName, 'netns', peer.name]);
    if (options.bridge !== undefined) await local.ip(['link', 'set', localName, 'master', options.bridge]);
    for (const address of options.localAddresses ?? [])
      await local.ip(['addr', 'add', address, 'dev', localName]);
    await local.ip(['link', 'set', localName, 'up']);
    if (options.peerMac !== undefined) await peer.ip(['link', 'set', peerName, 'address', options.peerMac]);
    for (const address of options.peerAddresses ?? [])
      await peer.ip(['addr', 'add', address, 'dev', peerName]);
    await peer.ip(['link', 'set', peerName, 'up']);
  }

  /** Starts a long-running program inside a namespace; stopped by PID in teardown. */
  spawn(
    namespace: Namespace,
    label: string,
    file: string,
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
  ): ManagedProcess {
    const managed = ManagedProcess.start(label, 'ip', ['netns', 'exec', namespace.name, file, ...args], env);
    this.processes.push(managed);
    return managed;
  }

  /** A path inside the sandbox's temp dir. */
  path(name: string): string {
    return join(this.workDir, name);
  }

  /**
   * Stops every process started here (SIGTERM, then SIGKILL, by PID), then stops anything still running
   * inside our namespaces (only our tests put processes there), deletes the namespaces (which removes
   * their devices) and the temp dir. Never throws.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    for (const managed of this.processes) await managed.stop().catch(() => undefined);
    for (const namespace of this.namespaces) {
      const pids = await runCommand('ip', ['netns', 'pids', namespace.name], {
        allowFailure: true,
        timeoutMs: 5000,
      }).catch(() => undefined);
      for (const pid of (pids?.stdout ?? '').split(/\s+/).filter((p) => /^\d+$/.test(p))) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const namespace of this.namespaces) {
      await runCommand('ip', ['netns', 'del', namespace.name], { allowFailure: true, timeoutMs: 5000 }).catch(
        () => undefined,
      );
      await removeNetnsEtc(namespace.name).catch(() => undefined);
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
