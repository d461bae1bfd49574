/**
 * Pure builders of the `ip`/`bridge` batch lines that converge a network's devices from what exists
 * (observed-links.ts) to what should (the types below): nothing is issued for what is already right, so
 * converging twice changes nothing. network-plumbing.ts runs them. Names follow Neutron (spec §4.15,
 * observed doc §1); see docs/agent.md.
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import type { ObservedLink, ObservedRoute } from './observed-links.js';

/** What connects a network's bridge to the outside (spec issue: flat, vlan, vxlan, local). */
export type Uplink =
  /** `local`: instances on this host only. */
  | { readonly kind: 'none' }
  /** `flat`: the provider interface itself is enslaved. */
  | { readonly kind: 'device'; readonly device: string }
  /** `vlan`: sub-interface `<parent>.<vlan id>`. */
  | { readonly kind: 'vlan'; readonly parent: string; readonly vlanId: number; readonly device: string }
  /** `vxlan`: device `vxlan-<vni>` over the agent's local IP, flooding to remotes or a multicast group. */
  | {
      readonly kind: 'vxlan';
      readonly device: string;
      readonly vni: number;
      readonly localIp: string;
      readonly remotes: readonly string[];
      readonly group: string | undefined;
      readonly underlayDevice: string | undefined;
      readonly dstPort: number;
    };

/** The bridge of a network and its uplink, in the host namespace. */
export interface BridgeSpec {
  readonly bridge: string;
  readonly uplink: Uplink;
  /**
   * An operator's bridge (`bridge_mappings`, as `br100`): it must exist already, is only brought up (as
   * Neutron's linuxbridge agent does), and is never created, given an uplink or removed. Its uplink is
   * `none`: what else it carries is the operator's business.
   */
  readonly existing?: boolean;
}

/** The DHCP port plugged as a veth pair: `tap…` on the bridge, `ns-…` in the DHCP namespace. */
export interface DhcpDeviceSpec {
  readonly namespace: string;
  /** The bridge the tap is enslaved to; undefined = someone else (Neutron's L2 agent) plugs it: hands off. */
  readonly bridge: string | undefined;
  readonly tap: string;
  readonly device: string;
  readonly mac: string;
  /** Network MTU; undefined = leave the kernel default. */
  readonly mtu: number | undefined;
  /** Exactly these addresses (`10.60.0.10/24`, `169.254.169.254/32`, `fe80::a9fe:a9fe/64`). */
  readonly addresses: readonly string[];
  /** IPv4 default route (spec §4.15 step 6); `onLink` when the gateway lies outside every subnet. */
  readonly gateway: { readonly address: string; readonly onLink: boolean } | undefined;
}

/** Batch lines for the host namespace: `ip` lines and `bridge` lines (VXLAN flooding entries). */
export interface HostCommands {
  readonly ip: readonly string[];
  readonly bridge: readonly string[];
}

/** The host devices {@link bridgeCommands} and {@link tapCommands} look at for one network. */
export function hostDeviceNames(spec: BridgeSpec | undefined, device: DhcpDeviceSpec): string[] {
  if (spec === undefined) return [device.tap];
  const names = [spec.bridge, device.tap];
  const uplink = spec.uplink;
  if (uplink.kind !== 'none') names.push(uplink.device);
  if (uplink.kind === 'vlan') names.push(uplink.parent);
  return names;
}

/** Lines that make the bridge and its uplink exist, enslaved and up. */
export function bridgeCommands(spec: BridgeSpec, links: ReadonlyMap<string, ObservedLink>): HostCommands {
  const ip: string[] = [];
  const bridgeLines: string[] = [];
  const bridge = links.get(spec.bridge);
  if (bridge === undefined && spec.existing === true) {
    throw new QdhcpError('PLUMBING_FAILED', {
      reason: `bridge ${spec.bridge} of bridge_mappings does not exist (qdhcp never creates a mapped bridge)`,
    });
  }
  if (bridge === undefined) {
    ip.push(`link add ${spec.bridge} type bridge`);
    // No IPv6 link-local (and so no traffic of our own) on the bridge: it is pure L2 for tenants.
    ip.push(`link set ${spec.bridge} addrgenmode none`);
  } else if (bridge.kind !== undefined && bridge.kind !== 'bridge') {
    throw new QdhcpError('PLUMBING_FAILED', {
      reason: `${spec.bridge} exists and is a ${bridge.kind}, not a bridge`,
    });
  }
  if (bridge?.up !== true) ip.push(`link set ${spec.bridge} up`);
  const uplink = spec.uplink;
  if (uplink.kind === 'none') return { ip, bridge: bridgeLines };
  const device = uplink.device;
  const existing = links.get(device);
  if (existing === undefined) {
    if (uplink.kind === 'device')
      throw new QdhcpError('PLUMBING_FAILED', { reason: `provider interface ${device} does not exist` });
    if (uplink.kind === 'vlan') {
      if (!links.has(uplink.parent))
        throw new QdhcpError('PLUMBING_FAILED', {
          reason: `provider interface ${uplink.parent} does not exist`,
        });
      ip.push(`link add link ${uplink.parent} name ${device} type vlan id ${uplink.vlanId}`);
    } else {
      const via =
        uplink.group === undefined
          ? ''
          : ` group ${uplink.group}${uplink.underlayDevice === undefined ? '' : ` dev ${uplink.underlayDevice}`}`;
      ip.push(
        `link add ${device} type vxlan id ${uplink.vni} local ${uplink.localIp}${via} dstport ${uplink.dstPort}`,
      );
    }
  }
  if (existing?.master !== spec.bridge) ip.push(`link set ${device} master ${spec.bridge}`);
  if (existing?.up !== true) ip.push(`link set ${device} up`);
  if (uplink.kind === 'vxlan' && uplink.group === undefined) {
    // Head-end replication: one all-zero FDB entry per remote host (run with -force: re-adding is harmless).
    for (const remote of uplink.remotes)
      bridgeLines.push(`fdb append 00:00:00:00:00:00 dev ${device} dst ${remote}`);
  }
  return { ip, bridge: bridgeLines };
}

/**
 * `bridge` lines that delete the all-zero (flooding) FDB entries of a unicast VXLAN uplink whose
 * destination is no longer a remote (`observed`: the `dst` of each all-zero entry, from
 * `bridge -j fdb show dev …`). {@link bridgeCommands} appends the wanted ones; together the device floods
 * to exactly the remotes. Nothing for other uplinks or a multicast group.
 */
export function staleFloodEntryCommands(uplink: Uplink, observed: readonly string[]): string[] {
  if (uplink.kind !== 'vxlan' || uplink.group !== undefined) return [];
  const wanted = new Set(uplink.remotes);
  return [...new Set(observed)]
    .filter((dst) => !wanted.has(dst))
    .map((dst) => `fdb del 00:00:00:00:00:00 dev ${uplink.device} dst ${dst}`);
}

/** Lines (host namespace) that plug the DHCP port's veth into the bridge and the namespace. */
export function tapCommands(spec: DhcpDeviceSpec, links: ReadonlyMap<string, ObservedLink>): string[] {
  const lines: string[] = [];
  const tap = links.get(spec.tap);
  const mtu = spec.mtu === undefined ? '' : ` mtu ${spec.mtu}`;
  if (tap === undefined) {
    lines.push(`link add ${spec.tap}${mtu} type veth peer name ${spec.device}${mtu} netns ${spec.namespace}`);
    // Neutron sets disable_ipv6 on the tap; addrgenmode none has the same effect without a sysctl process.
    lines.push(`link set ${spec.tap} addrgenmode none`);
  } else if (spec.mtu !== undefined && tap.mtu !== spec.mtu) {
    lines.push(`link set ${spec.tap} mtu ${spec.mtu}`);
  }
  // Without a bridge of ours the tap's master is the L2 agent's to set: whatever it is, it stays.
  if (spec.bridge !== undefined && tap?.master !== spec.bridge)
    lines.push(`link set ${spec.tap} master ${spec.bridge}`);
  if (tap?.up !== true) lines.push(`link set ${spec.tap} up`);
  return lines;
}

function isKernelLinkLocal(address: string, family: 4 | 6): boolean {
  return (
    family === 6 && address.toLowerCase().startsWith('fe80:') && address.toLowerCase() !== 'fe80::a9fe:a9fe'
  );
}

/**
 * Lines (inside the DHCP namespace) that converge the `ns-…` device: loopback up, MAC, MTU, exactly the
 * desired addresses (the kernel's own IPv6 link-local kept), the default route, and no other devices
 * (stale ports of older DHCP ports, spec §4.15 step 7).
 */
export function namespaceCommands(
  spec: DhcpDeviceSpec,
  links: ReadonlyMap<string, ObservedLink>,
  routes: readonly ObservedRoute[],
): string[] {
  const lines: string[] = [];
  if (links.get('lo')?.up !== true) lines.push('link set lo up');
  for (const name of links.keys()) {
    if (name !== 'lo' && name !== spec.device) lines.push(`link del ${name}`);
  }
  const device = links.get(spec.device);
  if (device === undefined)
    throw new QdhcpError('PLUMBING_FAILED', { reason: `${spec.device} is missing in ${spec.namespace}` });
  if (device.mac !== spec.mac.toLowerCase()) lines.push(`link set ${spec.device} address ${spec.mac}`);
  if (spec.mtu !== undefined && device.mtu !== spec.mtu)
    lines.push(`link set ${spec.device} mtu ${spec.mtu}`);
  if (!device.up) lines.push(`link set ${spec.device} up`);
  const present = new Set(device.addresses.map((entry) => `${entry.address}/${entry.prefixLength}`));
  const wanted = new Set(spec.addresses);
  for (const entry of device.addresses) {
    const key = `${entry.address}/${entry.prefixLength}`;
    if (!wanted.has(key) && !isKernelLinkLocal(entry.address, entry.family)) {
      lines.push(`addr del ${key} dev ${spec.device}`);
    }
  }
  for (const address of spec.addresses) {
    // IPv6 without duplicate address detection: a tentative address cannot be the source of DHCPv6 answers,
    // and several agents on one network share fe80::a9fe:a9fe (docs/dhcpv6.md).
    const nodad = address.includes(':') ? ' nodad' : '';
    if (!present.has(address)) lines.push(`addr add ${address} dev ${spec.device}${nodad}`);
  }
  const current = routes.find((route) => route.destination === 'default');
  if (spec.gateway === undefined) {
    if (current !== undefined) lines.push('route del default');
  } else if (current?.gateway !== spec.gateway.address || current.device !== spec.device) {
    lines.push(
      `route replace default via ${spec.gateway.address} dev ${spec.device}${spec.gateway.onLink ? ' onlink' : ''}`,
    );
  }
  return lines;
}
