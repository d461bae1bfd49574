/**
 * What `qdhcp netns-cleanup` removes, decided purely from what exists (like `neutron-netns-cleanup`):
 * namespaces named `<prefix>qdhcp-<network uuid>` — by default only stale ones (nothing but `lo` left in
 * them: their DHCP device and tap are gone), with `all` every one of them, with the processes inside — and
 * with `all` also the host-side devices qdhcp creates (`brq…` bridges, `vxlan-…` devices, VLAN
 * sub-interfaces on a `brq…` bridge). Physical interfaces are never deleted.
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
  | { readonly kind: 'delete-device'; readonly device: string; readonly deviceKind: string };

/** Options of the plan. */
export interface CleanupScope {
  /** `--namespace-prefix` the agent ran with. */
  readonly namespacePrefix: string;
  /** Remove every qdhcp namespace (and the host-side devices), not only stale ones. */
  readonly all: boolean;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The network id of a qdhcp namespace under the prefix, or undefined for any other namespace. */
export function qdhcpNetworkId(namespace: string, prefix: string): string | undefined {
  const match = new RegExp(`^${escapeRegExp(prefix)}qdhcp-(${UUID})$`).exec(namespace);
  return match?.[1];
}

/** Human-readable line of one action (what `--dry-run` prints). */
export function describeAction(action: CleanupAction): string {
  switch (action.kind) {
    case 'kill-process':
      return `kill process ${action.pid} in namespace ${action.namespace}`;
    case 'delete-namespace':
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
  for (const namespace of namespaces) {
    const networkId = qdhcpNetworkId(namespace.name, scope.namespacePrefix);
    if (networkId === undefined) continue;
    const stale = namespace.devices.every((device) => device === 'lo');
    if (!scope.all && !stale) continue;
    for (const pid of namespace.pids) actions.push({ kind: 'kill-process', namespace: namespace.name, pid });
    actions.push({ kind: 'delete-namespace', namespace: namespace.name, networkId });
  }
  if (scope.all) {
    const isOurBridge = (name: string | undefined): boolean =>
      name !== undefined && /^brq[0-9a-f-]{11}$/.test(name);
    for (const device of hostDevices) {
      if (device.kind === 'vxlan' && /^vxlan-\d+$/.test(device.name)) {
        actions.push({ kind: 'delete-device', device: device.name, deviceKind: 'vxlan' });
      } else if (device.kind === 'vlan' && isOurBridge(device.master)) {
        actions.push({ kind: 'delete-device', device: device.name, deviceKind: 'vlan' });
      }
    }
    for (const device of hostDevices) {
      if (device.kind === 'bridge' && isOurBridge(device.name)) {
        actions.push({ kind: 'delete-device', device: device.name, deviceKind: 'bridge' });
      }
    }
  }
  return actions;
}
