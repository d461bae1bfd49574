/**
 * Probes (`qdhcp probe …`): a port with `device_owner` `compute:probe`, a namespace with a veth carrying
 * the port's MAC, and a real DHCP client (busybox udhcpc) in it — an instance, minus the VM. The veth's host
 * end is plugged as an instance's VIF (`tap<port id[0:11]>`, as `qdhcp port plug --veth-peer` makes it),
 * so the agent's L2 role wires and protects it like a VM's tap (docs/compute.md); when no L2 role wires it
 * within `l2WaitMs`, the probe puts it into the network's bridge itself (unprotected). The client keeps running (renewals work like an instance's); its script prints
 * every event and applies the lease inside the probe namespace only, so `probe exec NAME -- ping …` works.
 *
 * State lives in `<state dir>/probes/<name>/` (meta.json, udhcpc.pid, udhcpc.log, script); the namespace's
 * resolver, from the lease, in `/etc/netns/<namespace>/resolv.conf` (removed with the probe). Processes are
 * stopped by their PID, never by name.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bridgeName, tapName } from '../agent/naming.js';
import { QdhcpError } from '../common/errors.js';
import { createVethTap } from '../linux/instance-tap.js';
import { prepareNetnsResolvConf, removeNetnsEtc } from '../linux/netns-etc.js';
import { runCommand } from '../linux/run-command.js';
import { ProbeApi, type ProbeNetwork, type ProbePort } from './api-client.js';
import { currentLease, type LeaseEvent, parseLeaseEvents, probeScript } from './lease-report.js';

/** Where and how probes are made. */
export interface ProbeSettings {
  readonly api: string;
  readonly token: string | undefined;
  readonly stateDir: string;
  readonly namespacePrefix: string;
  /** Namespace holding the bridges (`ip -n NS`); undefined = the current one. */
  readonly hostNamespace: string | undefined;
  /** How long to wait for the bridge and for a lease (default 30 s). */
  readonly timeoutMs: number;
  /**
   * The agent's `bridge_mappings` (physnet → the operator's bridge): a flat network of a mapped physnet is
   * on that bridge, not on `brq…` (src/agent/desired-plumbing.ts `bridgeFor`).
   */
  readonly bridgeMappings?: ReadonlyMap<string, string>;
  /**
   * How long an agent's L2 role may take to put the probe's tap into a bridge before the probe does it
   * itself (default 5 s; 0: at once, as on a host without an L2 role).
   */
  readonly l2WaitMs?: number;
}

/** Who put the probe's tap into its bridge: an agent's L2 role (protected) or the probe (not protected). */
export type ProbeWiring = 'l2-agent' | 'probe';

/** The bridge the network's instances are plugged into on this host. */
export function probeBridge(network: ProbeNetwork, bridgeMappings?: ReadonlyMap<string, string>): string {
  const physnet = network['provider:physical_network'] ?? '';
  const mapped =
    network['provider:network_type'] === 'flat' && physnet !== '' ? bridgeMappings?.get(physnet) : undefined;
  return mapped ?? bridgeName(network.id);
}

/** A probe's saved facts. */
export interface ProbeMeta {
  readonly name: string;
  readonly networkId: string;
  readonly portId: string;
  readonly mac: string;
  readonly namespace: string;
  readonly hostNamespace: string | undefined;
  readonly hostDevice: string;
  readonly wiredBy?: ProbeWiring;
  readonly createdAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

function probeDir(settings: ProbeSettings, name: string): string {
  if (!NAME.test(name))
    throw new QdhcpError('PROBE_FAILED', {
      reason: `probe name ${JSON.stringify(name)}: use 1–32 of A-Z a-z 0-9 _ -`,
    });
  return join(settings.stateDir, 'probes', name);
}

function ipArgs(namespace: string | undefined, args: readonly string[]): string[] {
  return namespace === undefined ? [...args] : ['-n', namespace, ...args];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new QdhcpError('PROBE_FAILED', { reason: `${what} within ${Math.round(timeoutMs / 1000)} s` });
    await sleep(200);
  }
}

async function readMeta(dir: string, name: string): Promise<ProbeMeta> {
  try {
    return JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as ProbeMeta;
  } catch {
    throw new QdhcpError('PROBE_FAILED', { reason: `no probe named ${name}` });
  }
}

/** The udhcpc PID of a probe when it is still that udhcpc (not a recycled PID). */
async function clientPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dir, 'udhcpc.pid'), 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('udhcpc') && cmdline.includes(dir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function events(dir: string): Promise<LeaseEvent[]> {
  return parseLeaseEvents(await readFile(join(dir, 'udhcpc.log'), 'utf8').catch(() => ''));
}

/** The bridge a host device is in (undefined: none, or no such device). */
async function masterOf(hostNamespace: string | undefined, device: string): Promise<string | undefined> {
  const shown = await runCommand('ip', ipArgs(hostNamespace, ['-j', 'link', 'show', 'dev', device]), {
    allowFailure: true,
  });
  if (shown.code !== 0) return undefined;
  const [link] = JSON.parse(shown.stdout || '[]') as { master?: string }[];
  return link?.master;
}

/**
 * Waits for the tap to be wired: by an agent's L2 role (it finds the port by the tap's name, protects it,
 * puts it into the bridge; waited for up to `l2WaitMs`), else by the probe, into `bridge` once it exists
 * (a host without an L2 role: an agent serving the network made the bridge).
 */
async function wireProbe(settings: ProbeSettings, device: string, bridge: string): Promise<ProbeWiring> {
  const l2Deadline = Date.now() + (settings.l2WaitMs ?? 5000);
  return waitFor(
    `bridge ${bridge} did not appear (is an agent serving the network?)`,
    settings.timeoutMs,
    async () => {
      if ((await masterOf(settings.hostNamespace, device)) !== undefined) return 'l2-agent' as const;
      if (Date.now() < l2Deadline) return undefined;
      const shown = await runCommand('ip', ipArgs(settings.hostNamespace, ['link', 'show', bridge]), {
        allowFailure: true,
      });
      if (shown.code !== 0) return undefined;
      await runCommand('ip', ipArgs(settings.hostNamespace, ['link', 'set', device, 'master', bridge, 'up']));
      return 'probe' as const;
    },
  );
}

/** Creates a probe and waits for its first lease; returns the meta and the lease (undefined: none yet). */
export async function createProbe(
  settings: ProbeSettings,
  networkRef: string,
  name: string,
): Promise<{ meta: ProbeMeta; port: ProbePort; lease: LeaseEvent | undefined }> {
  const dir = probeDir(settings, name);
  if (existsSync(dir))
    throw new QdhcpError('PROBE_FAILED', { reason: `probe ${name} exists (qdhcp probe delete ${name})` });
  const api = new ProbeApi(settings.api, settings.token);
  const network = await api.findNetwork(networkRef);
  await mkdir(dir, { recursive: true });
  const port = await api.createPort({
    network_id: network.id,
    name: `probe-${name}`,
    // No device_id: like a VM's port before boot, the probe's port is free for an instance record
    // (`qdhcp instance create --port …`), which makes the probe that instance for the metadata service.
    device_owner: 'compute:probe',
  });
  const draft: ProbeMeta = {
    name,
    networkId: network.id,
    portId: port.id,
    mac: port.mac_address,
    namespace: `${settings.namespacePrefix}qprobe-${name}`,
    hostNamespace: settings.hostNamespace,
    hostDevice: tapName(port.id),
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(dir, 'meta.json'), `${JSON.stringify(draft, null, 2)}\n`);
  // Generous, as src/linux/network-plumbing.ts `ensureNamespace`: it takes seconds on a busy machine.
  await runCommand('ip', ['netns', 'add', draft.namespace], { timeoutMs: 30_000 });
  await createVethTap(
    settings.hostNamespace,
    draft.hostDevice,
    draft.namespace,
    port.mac_address,
    network.mtu > 0 ? network.mtu : undefined,
  );
  const meta: ProbeMeta = {
    ...draft,
    wiredBy: await wireProbe(settings, draft.hostDevice, probeBridge(network, settings.bridgeMappings)),
  };
  await writeFile(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  const script = join(dir, 'udhcpc-script.sh');
  // The lease's resolver for `probe exec NAME -- nslookup …`: ip netns exec mounts it over /etc/resolv.conf.
  const resolvConf = await prepareNetnsResolvConf(meta.namespace);
  await writeFile(script, probeScript(resolvConf), { mode: 0o755 });
  const log = openSync(join(dir, 'udhcpc.log'), 'a');
  try {
    // `ip netns exec` execs udhcpc: the child's PID is the client's, which -p also records.
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        meta.namespace,
        'udhcpc',
        '-i',
        'eth0',
        '-f',
        '-s',
        script,
        '-p',
        join(dir, 'udhcpc.pid'),
        '-t',
        '3',
        '-T',
        '2',
        '-A',
        '2',
        '-O',
        'staticroutes',
        '-O',
        'mtu',
        '-O',
        'lease',
        '-O',
        'domain',
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
  } finally {
    closeSync(log);
  }
  const lease = await waitFor('no lease', settings.timeoutMs, async () =>
    currentLease(await events(dir)),
  ).catch(() => undefined);
  return { meta, port, lease };
}

/** Every probe in the state dir, with its current lease and whether its client runs. */
export async function listProbes(
  settings: ProbeSettings,
): Promise<Array<{ meta: ProbeMeta; lease: LeaseEvent | undefined; pid: number | undefined }>> {
  const root = join(settings.stateDir, 'probes');
  const names = await readdir(root).catch(() => [] as string[]);
  const probes = [];
  for (const name of names.sort()) {
    const dir = join(root, name);
    const meta = await readMeta(dir, name).catch(() => undefined);
    if (meta === undefined) continue;
    probes.push({ meta, lease: currentLease(await events(dir)), pid: await clientPid(dir) });
  }
  return probes;
}

/**
 * Asks the probe's client to renew now (SIGUSR1, as `udhcpc` documents) and waits for the outcome: the
 * renewed or new lease, or undefined when the server refused it and no new lease came (NAK, no answer).
 */
export async function renewProbe(
  settings: ProbeSettings,
  name: string,
  timeoutMs = settings.timeoutMs,
): Promise<LeaseEvent | undefined> {
  const dir = probeDir(settings, name);
  await readMeta(dir, name);
  const pid = await clientPid(dir);
  if (pid === undefined)
    throw new QdhcpError('PROBE_FAILED', { reason: `probe ${name}: its DHCP client is not running` });
  const before = (await events(dir)).length;
  process.kill(pid, 'SIGUSR1');
  return waitFor('', timeoutMs, async () => {
    const after = (await events(dir)).slice(before);
    const last = after.at(-1)?.['event'];
    if (last === 'bound' || last === 'renew') return after.at(-1);
    return undefined;
  }).catch(() => undefined);
}

/** Runs a command inside the probe's namespace with the terminal; resolves with its exit code. */
export async function execInProbe(
  settings: ProbeSettings,
  name: string,
  command: readonly string[],
): Promise<number> {
  const meta = await readMeta(probeDir(settings, name), name);
  if (command.length === 0)
    throw new QdhcpError('PROBE_FAILED', { reason: 'probe exec needs a command after --' });
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', meta.namespace, ...command], { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Stops the client (by PID), removes the namespace and veth, deletes the port, forgets the probe. */
export async function deleteProbe(settings: ProbeSettings, name: string): Promise<void> {
  const dir = probeDir(settings, name);
  const meta = await readMeta(dir, name);
  const pid = await clientPid(dir);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(20);
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  await runCommand('ip', ipArgs(meta.hostNamespace, ['link', 'del', meta.hostDevice]), {
    allowFailure: true,
  });
  await runCommand('ip', ['netns', 'del', meta.namespace], { allowFailure: true });
  await removeNetnsEtc(meta.namespace);
  await new ProbeApi(settings.api, settings.token).deletePort(meta.portId);
  await rm(dir, { recursive: true, force: true });
}
