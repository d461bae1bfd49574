/**
 * Removing what a run's agents made on the host, by what the run owns: the `qdhcp-<network id>` namespaces
 * of its networks (any name prefix a qdhcp agent adds; network ids are unique to the run's database) with
 * whatever still runs inside them (a dnsmasq or haproxy that daemonised), the `tap<port id[:11]>` devices of
 * its ports (left in the root namespace when an agent was killed between creating the veth and moving its
 * peer), the root-namespace devices the run created (bridges, probe veth ends), and the linuxbridge agent's
 * ebtables chains of its ports' taps (`neutronARP-`/`neutronMAC-tap…`, host-wide: left by an agent stopped
 * before the tap went, they made the next run's linuxbridge agent crash when two agents cleaned them up
 * side by side — "ebtables -X neutronARP-tap…: No chain"). Never throws.
 *
 * @module
 */
import { runCommand } from '../../../src/linux/run-command.js';

/** What to remove. */
export interface RunDevices {
  readonly networkIds: ReadonlySet<string>;
  readonly portIds: ReadonlySet<string>;
  readonly rootDevices: ReadonlySet<string>;
}

const quiet = { allowFailure: true, timeoutMs: 10_000 } as const;

/** Namespaces among `names` that belong to one of `networkIds`. */
export function runNamespaces(names: readonly string[], networkIds: ReadonlySet<string>): string[] {
  return names.filter((name) => {
    const id = /qdhcp-([0-9a-f-]{36})$/.exec(name)?.[1];
    return id !== undefined && networkIds.has(id);
  });
}

/** Neutron's name for a port's root-namespace veth end. */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

export async function removeRunDevices(devices: RunDevices): Promise<void> {
  const list = await runCommand('ip', ['netns', 'list'], quiet).catch(() => undefined);
  const names = (list?.stdout ?? '').split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const namespace of runNamespaces(names, devices.networkIds)) {
    const pids = await runCommand('ip', ['netns', 'pids', namespace], quiet).catch(() => undefined);
    for (const pid of (pids?.stdout ?? '').split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await runCommand('ip', ['netns', 'del', namespace], quiet).catch(() => undefined);
  }
  const links = await runCommand('ip', ['-br', 'link'], quiet).catch(() => undefined);
  const present = new Set((links?.stdout ?? '').split('\n').map((line) => line.split(/[\s@]/)[0] ?? ''));
  const leftovers = [...[...devices.portIds].map(tapName), ...devices.rootDevices].filter((d) =>
    present.has(d),
  );
  for (const device of leftovers)
    await runCommand('ip', ['link', 'del', device], quiet).catch(() => undefined);
  // Ports deleted during the run are no longer listed by the server; their taps are in rootDevices.
  const taps = new Set([...[...devices.portIds].map(tapName), ...[...devices.rootDevices].filter(isTap)]);
  await removeArpProtection([...taps]);
}

function isTap(device: string): boolean {
  return device.startsWith('tap');
}

/** The linuxbridge agent's per-tap chains (neutron/plugins/ml2/drivers/linuxbridge/agent/arp_protect.py). */
const ARP_PROTECTION_PREFIXES = ['neutronARP-', 'neutronMAC-'] as const;

/** Removes the linuxbridge agent's ebtables chains (and the jumps to them) of `taps`. Never throws. */
export async function removeArpProtection(taps: readonly string[]): Promise<void> {
  if (taps.length === 0) return;
  // `ebtables -L` (ebtables-nft ignores --Lx): "Bridge chain: NAME, …" headers, each followed by its rules.
  const listing = await runCommand('ebtables', ['-t', 'nat', '--concurrent', '-L'], quiet).catch(
    () => undefined,
  );
  const rules: { chain: string; rule: string }[] = [];
  const existing = new Set<string>();
  let current = '';
  for (const line of (listing?.stdout ?? '').split('\n')) {
    const header = /^Bridge chain: ([^,]+),/.exec(line);
    if (header?.[1] !== undefined) {
      current = header[1];
      existing.add(current);
    } else if (line.startsWith('-') && current !== '') rules.push({ chain: current, rule: line.trim() });
  }
  const chains = taps.flatMap((tap) => ARP_PROTECTION_PREFIXES.map((prefix) => `${prefix}${tap}`));
  for (const chain of chains.filter((name) => existing.has(name))) {
    for (const { chain: from, rule } of rules.filter(({ rule }) => rule.endsWith(`-j ${chain}`)))
      await runCommand(
        'ebtables',
        ['-t', 'nat', '--concurrent', '-D', from, ...rule.split(' ')],
        quiet,
      ).catch(() => undefined);
    // ebtables-nft deletes only an empty chain.
    await runCommand('ebtables', ['-t', 'nat', '--concurrent', '-F', chain], quiet).catch(() => undefined);
    await runCommand('ebtables', ['-t', 'nat', '--concurrent', '-X', chain], quiet).catch(() => undefined);
  }
}
