/**
 * What the cleanup removes, decided purely from what exists (like `neutron-netns-cleanup`) and, at agent
 * start, from the networks the server still binds to this host.
 *
 * Namespaces: `<prefix>qdhcp-<network uuid>` — with `keep` (agent start) every one whose network is not
 * kept; without it (`qdhcp netns-cleanup`) only stale ones (nothing but `lo` left: their DHCP device and tap
 * are gone); with `all` every one of them. The processes inside are killed first.
 *
 * Router namespaces `<prefix>qrouter-<router uuid>` (issue 13, docs/routers.md): with `keepRouters` every one
 * whose router is not kept; without it only stale ones (nothing but `lo` left) — and never when `keep` is
 * given without `keepRouters`: at agent start the router reconciler's first sync owns them (it removes the
 * routers not bound here, router-reconciler.ts), so the DHCP side's cleanup leaves them alone; with `all`
 * every one. Their `qr-`/`qg-` devices' `tap…` peers count as ours on a bridge, like a DHCP tap.
 *
 * Host devices (only when qdhcp owns L2, `ownsL2`): a `brq<network id[0:11]>` bridge is stale when no kept
 * network has that name (with `keep`), or no qdhcp namespace that stays belongs to it (without `keep`) — and
 * it is removed only when everything still plugged into it is qdhcp's own: VXLAN uplinks `vxlan-<vni>`,
 * VLAN sub-interfaces, a mapped interface (released by the bridge's removal, never deleted) or the tap of a
 * DHCP namespace removed in the same plan. A bridge that still carries anything else (an instance's tap, a
 * probe, an operator's device) stays, and so do its uplinks. Uplinks of qdhcp's naming left without a
 * bridge (`vxlan-<vni>`, `<mapped interface>.<vlan id>` with no master) go too. A bridge named in the
 * interface mappings or in `bridge_mappings` (an operator's) is never touched, nor anything enslaved to a
 * bridge not named `brq…` (so a DHCP tap on an operator's bridge goes only with its namespace).
 * With `all`, every `brq…` bridge and every uplink of ours goes, whatever it carries. Physical interfaces
 * are never deleted.
 *
 * @module
 */

/** One namespace as observed. */
export interface ObservedNamespace {
  readonly name: string;
  /** Devices inside it (including `lo`). */
  readonly devices: readonly string[];
  /** Processes running inside it (`ip netns pids`). */
  readonly pids: readonly number[];
}

/** One host-side device as observed. */
export interface ObservedHostDevice {
  readonly name: string;
  readonly kind: string | undefined;
  readonly master: string | undefined;
}

/** One step of the cleanup, in execution order. */
export type CleanupAction =
  | { readonly kind: 'kill-process'; readonly namespace: string; readonly pid: number }
  | { readonly kind: 'delete-namespace'; readonly namespace: string; readonly networkId: string }
  | { readonly kind: 'delete-router-namespace'; readonly namespace: string; readonly routerId: string }
  | { readonly kind: 'delete-device'; readonly device: string; readonly deviceKind: string };

/** Options of the plan. */
export interface CleanupScope {
  /** `--namespace-prefix` the agent ran with. */
  readonly namespacePrefix: string;
  /** Remove every qdhcp namespace (and every host-side device of ours), not only stale ones. */
  readonly all: boolean;
  /**
   * qdhcp makes this host's bridges and uplinks (`l2_owner = qdhcp`, the default). False when Neutron's L2
   * agent owns them: only namespaces are removed, never a bridge or an uplink.
   */
  readonly ownsL2: boolean;
  /**
   * The networks that stay on this host (agent start: what the server binds here, and what the agent holds).
   * Undefined: decide from what exists alone (`qdhcp netns-cleanup`).
   */
  readonly keep?: ReadonlySet<string>;
  /**
   * The routers that stay on this host. Undefined: stale router namespaces only (`qdhcp netns-cleanup`), or
   * none at all when `keep` is given (agent start: the router reconciler removes unbound routers itself).
   */
  readonly keepRouters?: ReadonlySet<string>;
  /** Interfaces of `--physical-interface-mappings`: a stale bridge may carry them; they are never deleted. */
  readonly mappedInterfaces?: ReadonlySet<string>;
  /** Bridges of `bridge_mappings`: the operator's, never deleted whatever their name, even with `all`. */
  readonly mappedBridges?: ReadonlySet<string>;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `brq` + the first 11 characters of a network UUID (naming.ts `bridgeName`). */
const BRIDGE = /^brq[0-9a-f]{8}-[0-9a-f]{2}$/;
/** naming.ts `vxlanDeviceName`. */
const VXLAN = /^vxlan-\d+$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The network id of a qdhcp namespace under the prefix, or undefined for any other namespace. */
export function qdhcpNetworkId(namespace: string, prefix: string): string | undefined {
  const match = new RegExp(`^${escapeRegExp(prefix)}qdhcp-(${UUID})$`).exec(namespace);
  return match?.[1];
}

/** The router id of a qdhcp router namespace under the prefix (naming.ts `routerNamespaceName`), or undefined. */
export function qrouterId(namespace: string, prefix: string): string | undefined {
  const match = new RegExp(`^${escapeRegExp(prefix)}qrouter-(${UUID})$`).exec(namespace);
  return match?.[1];
}

/** The `tap…` peer on the bridge of a device inside a qdhcp or router namespace (naming.ts), if it has one. */
function bridgePeer(device: string): string | undefined {
  for (const inside of ['ns-', 'qr-', 'qg-']) if (device.startsWith(inside)) return `tap${device.slice(3)}`;
  return undefined;
}

/** Human-readable line of one action (what `--dry-run` prints). */
export function describeAction(action: CleanupAction): string {
  switch (action.kind) {
    case 'kill-process':
      return `kill process ${action.pid} in namespace ${action.namespace}`;
    case 'delete-namespace':
    case 'delete-router-namespace':
      return `delete namespace ${action.namespace}`;
    case 'delete-device':
      return `delete ${action.deviceKind} ${action.device}`;
  }
}

/** Plans the cleanup. Pure. */
export function planCleanup(
  namespaces: readonly ObservedNamespace[],
  hostDevices: readonly ObservedHostDevice[],
  scope: CleanupScope,
): CleanupAction[] {
  const actions: CleanupAction[] = [];
  const remaining = new Set<string>();
  /** Taps of the DHCP ports whose namespaces go now: their veth pairs die with them. */
  const goingTaps = new Set<string>();
  for (const namespace of namespaces) {
    const networkId = qdhcpNetworkId(namespace.name, scope.namespacePrefix);
    if (networkId === undefined) continue;
    const stale = namespace.devices.every((device) => device === 'lo');
    const remove = scope.all || (scope.keep !== undefined ? !scope.keep.has(networkId) : stale);
    if (!remove) {
      remaining.add(networkId);
      continue;
    }
    for (const pid of namespace.pids) actions.push({ kind: 'kill-process', namespace: namespace.name, pid });
    actions.push({ kind: 'delete-namespace', namespace: namespace.name, networkId });
    for (const device of namespace.devices) {
      const tap = bridgePeer(device);
      if (tap !== undefined) goingTaps.add(tap);
    }
  }
  for (const namespace of namespaces) {
    const routerId = qrouterId(namespace.name, scope.namespacePrefix);
    if (routerId === undefined || !removeRouter(namespace, routerId, scope)) continue;
    for (const pid of namespace.pids) actions.push({ kind: 'kill-process', namespace: namespace.name, pid });
    actions.push({ kind: 'delete-router-namespace', namespace: namespace.name, routerId });
    for (const device of namespace.devices) {
      const tap = bridgePeer(device);
      if (tap !== undefined) goingTaps.add(tap);
    }
  }
  if (!scope.ownsL2) return actions;
  const wanted = new Set([...(scope.keep ?? remaining)].map((id) => `brq${id.slice(0, 11)}`));
  actions.push(...planHostDevices(hostDevices, scope, wanted, goingTaps));
  return actions;
}

/** Whether a router namespace goes (module comment: all / keepRouters / stale, untouched at agent start). */
function removeRouter(namespace: ObservedNamespace, routerId: string, scope: CleanupScope): boolean {
  if (scope.all) return true;
  if (scope.keepRouters !== undefined) return !scope.keepRouters.has(routerId);
  if (scope.keep !== undefined) return false;
  return namespace.devices.every((device) => device === 'lo');
}

function planHostDevices(
  hostDevices: readonly ObservedHostDevice[],
  scope: CleanupScope,
  wantedBridges: ReadonlySet<string>,
  goingTaps: ReadonlySet<string>,
): CleanupAction[] {
  const mapped = scope.mappedInterfaces ?? new Set<string>();
  const operatorBridges = scope.mappedBridges ?? new Set<string>();
  const isOurBridge = (name: string | undefined): boolean =>
    name !== undefined && BRIDGE.test(name) && !mapped.has(name) && !operatorBridges.has(name);
  // A mapped interface may itself be a VLAN device (`physnet1:eth0.100`): the operator's, never an uplink.
  const isVxlanUplink = (device: ObservedHostDevice): boolean =>
    device.kind === 'vxlan' && VXLAN.test(device.name) && !mapped.has(device.name);
  const isVlanUplink = (device: ObservedHostDevice): boolean =>
    device.kind === 'vlan' && !mapped.has(device.name);
  const ports = new Map<string, ObservedHostDevice[]>();
  for (const device of hostDevices) {
    if (device.master === undefined) continue;
    ports.set(device.master, [...(ports.get(device.master) ?? []), device]);
  }
  const onlyOurs = (bridge: string): boolean =>
    (ports.get(bridge) ?? []).every(
      (port) =>
        isVxlanUplink(port) || isVlanUplink(port) || mapped.has(port.name) || goingTaps.has(port.name),
    );
  const staleBridges = new Set(
    hostDevices
      .filter((device) => device.kind === 'bridge' && isOurBridge(device.name))
      .filter((device) => scope.all || (!wantedBridges.has(device.name) && onlyOurs(device.name)))
      .map((device) => device.name),
  );
  const vlans: CleanupAction[] = [];
  const vxlans: CleanupAction[] = [];
  for (const device of hostDevices) {
    const onStaleBridge = device.master !== undefined && staleBridges.has(device.master);
    const loose = device.master === undefined;
    if (isVxlanUplink(device) && (onStaleBridge || loose || (scope.all && isOurBridge(device.master)))) {
      vxlans.push({ kind: 'delete-device', device: device.name, deviceKind: 'vxlan' });
    } else if (
      isVlanUplink(device) &&
      (onStaleBridge || (loose && [...mapped].some((parent) => device.name.startsWith(`${parent}.`))))
    ) {
      vlans.push({ kind: 'delete-device', device: device.name, deviceKind: 'vlan' });
    }
  }
  const bridges: CleanupAction[] = [...staleBridges].map((device) => ({
    kind: 'delete-device',
    device,
    deviceKind: 'bridge',
  }));
  // Uplinks before their bridges: VLANs, VXLAN devices, then the bridges.
  return [...vlans, ...vxlans, ...bridges];
}

/**
 * Whose removal an action is part of (the agent's orphan removal runs each owner's actions in turn with that
 * network's other work, after checking it is still not wanted: reconciler/orphan-guard.ts). A DHCP
 * namespace, its processes, its `brq…` bridge and the uplinks on that bridge belong to its network; a bridge
 * whose namespace is already gone (and its uplinks) to the network its name was cut from (`brq` + the first
 * 11 characters of the id, all that is known of it). Router namespaces and uplinks on no bridge: no owner.
 */
export type CleanupOwner = { readonly networkId: string } | { readonly networkIdPrefix: string };

/** Actions of one owner (or of none), in plan order. */
export interface CleanupGroup {
  readonly owner: CleanupOwner | undefined;
  readonly actions: readonly CleanupAction[];
}

/** Splits a plan by owner; groups come in the order of their first action, actions in plan order. Pure. */
export function groupByOwner(
  actions: readonly CleanupAction[],
  hostDevices: readonly ObservedHostDevice[],
  namespacePrefix: string,
): CleanupGroup[] {
  const bridgeOwners = new Map<string, string>();
  for (const action of actions)
    if (action.kind === 'delete-namespace')
      bridgeOwners.set(`brq${action.networkId.slice(0, 11)}`, action.networkId);
  const masters = new Map(hostDevices.map((device) => [device.name, device.master]));
  const ownerOf = (action: CleanupAction): CleanupOwner | undefined => {
    switch (action.kind) {
      case 'kill-process': {
        const networkId = qdhcpNetworkId(action.namespace, namespacePrefix);
        return networkId === undefined ? undefined : { networkId };
      }
      case 'delete-namespace':
        return { networkId: action.networkId };
      case 'delete-router-namespace':
        return undefined;
      case 'delete-device': {
        const bridge = action.deviceKind === 'bridge' ? action.device : masters.get(action.device);
        if (bridge === undefined || !BRIDGE.test(bridge)) return undefined;
        const networkId = bridgeOwners.get(bridge);
        return networkId !== undefined ? { networkId } : { networkIdPrefix: bridge.slice(3) };
      }
    }
  };
  const groups = new Map<string, { owner: CleanupOwner | undefined; actions: CleanupAction[] }>();
  for (const action of actions) {
    const owner = ownerOf(action);
    const key =
      owner === undefined ? '' : 'networkId' in owner ? owner.networkId : `${owner.networkIdPrefix}…`;
    const group = groups.get(key) ?? { owner, actions: [] };
    group.actions.push(action);
    groups.set(key, group);
  }
  return [...groups.values()];
}
