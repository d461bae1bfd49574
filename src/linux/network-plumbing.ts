import { existsSync, statfsSync } from 'node:fs';
import { type NamespaceName, readIpJsonEntries, runIpBatch, setNamespaceSysctls } from './ip-batch.js';
import { namespacePath } from './namespace-sockets.js';
import { readNamespaceLinks, readNamespaceState } from './netlink-state.js';
import { type ObservedLink, parseLinks } from './observed-links.js';
import {
  type BridgeSpec,
  bridgeCommands,
  type DhcpDeviceSpec,
  hostDeviceNames,
  namespaceCommands,
  staleFloodEntryCommands,
  tapCommands,
  type Uplink,
} from './plumbing-commands.js';
import { runCommand } from './run-command.js';

/**
 * Sysctls of a DHCP namespace (spec §4.15 step 3, observed doc §1): bind to addresses not yet configured,
 * no router advertisements (so no SLAAC address appears on ns-…), keep secondaries when a primary goes.
 */
export const DHCP_NAMESPACE_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  'net.ipv4.ip_nonlocal_bind': '1',
  'net.ipv6.conf.default.accept_ra': '0',
  'net.ipv4.conf.all.promote_secondaries': '1',
});

/** What a converge did, for logs and tests (empty lists = nothing needed changing). */
export interface ConvergeReport {
  readonly createdNamespace: boolean;
  readonly hostLines: readonly string[];
  readonly namespaceLines: readonly string[];
}

/**
 * Reads every device of a namespace (kind, master, MTU, MAC, state; no addresses) through rtnetlink, no
 * process (netlink-state.ts). Host namespaces hold thousands of devices, so addresses are only read where
 * they are converged. Asynchronous for its callers' sake (it was an `ip` process); a missing namespace
 * rejects (code ENOENT).
 */
export async function readLinks(namespace: NamespaceName): Promise<Map<string, ObservedLink>> {
  return readNamespaceLinks(namespace);
}

/**
 * Reads only the named devices of a namespace (missing ones are simply absent from the map), in one `ip`
 * process: a network's converge needs its own few devices, and reading a host with thousands of them per
 * network made creating the thousandth network cost a thousand times the first.
 */
export async function readNamedLinks(
  namespace: NamespaceName,
  names: readonly string[],
): Promise<Map<string, ObservedLink>> {
  const unique = [...new Set(names)];
  return parseLinks(
    await readIpJsonEntries(
      namespace,
      unique.map((name) => `link show dev ${name}`),
    ),
  );
}

/** True when the named namespace exists (no process spawned). */
export function namespaceExists(name: string): boolean {
  return existsSync(namespacePath(name));
}

/** `statfs` type of a mounted namespace file (linux/magic.h NSFS_MAGIC). */
const NSFS_MAGIC = 0x6e736673;

/**
 * True when the namespace's file exists but holds no namespace: what an `ip netns add` killed halfway (a
 * timeout under heavy load, a crash) leaves behind — a plain file that every later `ip -n`, setns and
 * `ip netns add` of that name fails on.
 */
function isBrokenNamespace(name: string): boolean {
  try {
    return statfsSync(namespacePath(name)).type !== NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** Removes a namespace's file without entering it (`ip netns del` unlinks even what is not mounted). */
async function deleteNamespaceFile(name: string): Promise<void> {
  await runCommand('ip', ['netns', 'del', name], { timeoutMs: 30_000 });
}

/** Creates a DHCP namespace with its sysctls when missing (or broken). Returns whether it was created. */
export function ensureDhcpNamespace(name: string): Promise<boolean> {
  // Before anything is plugged, so the defaults apply to ns-… (spec §4.15 step 3).
  return ensureNamespace(name, DHCP_NAMESPACE_SYSCTLS);
}

/**
 * Creates a namespace when missing (or broken) and sets `sysctls` in it before anything is plugged (DHCP
 * namespaces here, router namespaces in src/agent/router/). Returns whether it was created; an existing
 * one is left as it is (a restart converges, it does not rebuild).
 */
export async function ensureNamespace(
  name: string,
  sysctls: Readonly<Record<string, string>>,
): Promise<boolean> {
  if (namespaceExists(name)) {
    if (!isBrokenNamespace(name)) return false;
    await deleteNamespaceFile(name);
  }
  // Generous: `ip netns add` takes seconds when the machine is busy, and killing it leaves a broken file.
  await runCommand('ip', ['netns', 'add', name], { timeoutMs: 30_000 });
  await setNamespaceSysctls(name, sysctls);
  return true;
}

/**
 * Makes the bridge and its uplink exist in `hostNamespace` (undefined = the current namespace, as in
 * production where the agent runs inside its host's namespace). `links` may be passed when the caller
 * already read them. Idempotent.
 */
export async function ensureBridge(
  hostNamespace: NamespaceName,
  spec: BridgeSpec,
  links?: ReadonlyMap<string, ObservedLink>,
): Promise<readonly string[]> {
  const observed = links ?? (await readLinks(hostNamespace));
  const commands = bridgeCommands(spec, observed);
  await runIpBatch(hostNamespace, commands.ip);
  if (commands.bridge.length > 0) await runBridgeBatchForce(hostNamespace, commands.bridge);
  await removeStaleFloodEntries(hostNamespace, spec.uplink);
  return commands.ip;
}

/**
 * Deletes the flooding entries of a unicast VXLAN uplink whose destination is no longer a remote (a host
 * that left): one `bridge -j fdb show` read, and a batch only when something is stale. Other uplinks: no
 * process at all.
 */
export async function removeStaleFloodEntries(hostNamespace: NamespaceName, uplink: Uplink): Promise<void> {
  if (uplink.kind !== 'vxlan' || uplink.group !== undefined) return;
  const result = await runCommand(
    'bridge',
    [
      ...(hostNamespace === undefined ? [] : ['-n', hostNamespace]),
      '-j',
      'fdb',
      'show',
      'dev',
      uplink.device,
    ],
    { allowFailure: true, timeoutMs: 10_000 },
  );
  let entries: unknown;
  try {
    entries = JSON.parse(result.stdout.trim() || '[]');
  } catch {
    return; // unreadable: leave the entries; the next converge reads again
  }
  const destinations = (Array.isArray(entries) ? entries : [])
    .map((entry) => entry as { mac?: unknown; dst?: unknown })
    .filter((entry) => entry.mac === '00:00:00:00:00:00' && typeof entry.dst === 'string')
    .map((entry) => entry.dst as string);
  const lines = staleFloodEntryCommands(uplink, destinations);
  if (lines.length > 0) await runBridgeBatchForce(hostNamespace, lines);
}

async function runBridgeBatchForce(namespace: NamespaceName, lines: readonly string[]): Promise<void> {
  await runCommand(
    'bridge',
    [...(namespace === undefined ? [] : ['-n', namespace]), '-force', '-batch', '-'],
    {
      input: `${lines.join('\n')}\n`,
      allowFailure: true,
      timeoutMs: 10_000,
    },
  );
}

/**
 * Converges one network's DHCP plumbing: namespace (+ sysctls), bridge and uplink (unless `bridge` is
 * undefined: Neutron's L2 agent owns them), the veth pair of the DHCP port, and inside the namespace its MAC, MTU, addresses, default route and nothing else. Issues
 * only what differs (a second run issues nothing): about 2 `ip` processes when already converged, 6 for a
 * fresh network. Without `hostSnapshot` only the network's own host devices are read; pass one (from
 * {@link readLinks}) when converging many networks at once: the host namespace is then read once for all.
 */
export async function convergeDhcpPlumbing(
  hostNamespace: NamespaceName,
  bridge: BridgeSpec | undefined,
  device: DhcpDeviceSpec,
  hostSnapshot?: ReadonlyMap<string, ObservedLink>,
): Promise<ConvergeReport> {
  const createdNamespace = await ensureDhcpNamespace(device.namespace);
  // A snapshot read once for many networks is valid here: each network's host devices (bridge, uplink,
  // tap) are its own, so converging one network does not change what another one sees.
  const hostLinks = hostSnapshot ?? (await readNamedLinks(hostNamespace, hostDeviceNames(bridge, device)));
  // No bridge spec: L2 is Neutron's (l2_owner), so not one bridge or uplink line, and no FDB read.
  const bridgeLines = bridge === undefined ? { ip: [], bridge: [] } : bridgeCommands(bridge, hostLinks);
  const tapLines = tapCommands(device, hostLinks);
  if (!hostLinks.has(device.tap) && !createdNamespace) {
    // A stale ns-… without its tap would make the veth creation fail; remove it first.
    await runCommand('ip', ['-n', device.namespace, 'link', 'del', device.device], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
  }
  const hostLines = [...bridgeLines.ip, ...tapLines];
  await runIpBatch(hostNamespace, hostLines);
  if (bridgeLines.bridge.length > 0) await runBridgeBatchForce(hostNamespace, bridgeLines.bridge);
  if (bridge !== undefined) await removeStaleFloodEntries(hostNamespace, bridge.uplink);
  const inside = readNamespaceState(device.namespace);
  const namespaceLines = namespaceCommands(device, inside.links, inside.routes);
  await runIpBatch(device.namespace, namespaceLines);
  return { createdNamespace, hostLines, namespaceLines };
}

/**
 * Removes a network's DHCP plumbing: the namespace's devices, then the namespace. The bridge and uplink
 * stay: other ports (instances) may use them. The devices go first because deleting one end of a veth
 * removes its peer (the host's tap) in the same call, whereas after a namespace deletion the kernel removes
 * the tap asynchronously, and a quick re-enable would find the old tap still there.
 */
export async function removeDhcpNamespace(namespace: string): Promise<void> {
  if (!namespaceExists(namespace)) return;
  if (isBrokenNamespace(namespace)) return deleteNamespaceFile(namespace);
  const devices = [...readNamespaceState(namespace).links.keys()].filter((name) => name !== 'lo');
  if (devices.length > 0) await deleteLinks(namespace, devices);
  await runCommand('ip', ['netns', 'del', namespace], { timeoutMs: 10_000 });
}

/** Deletes devices in a namespace, ignoring ones already gone. */
export async function deleteLinks(namespace: NamespaceName, names: readonly string[]): Promise<void> {
  await runIpBatch(
    namespace,
    names.map((name) => `link del ${name}`),
    { force: true },
  );
}
