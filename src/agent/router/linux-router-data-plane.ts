/**
 * {@link RouterDataPlane} on Linux (issue 13): a router is a `qrouter-<id>` namespace with forwarding on,
 * one veth per port (`qr-…`/`qg-…` inside, `tap…` on its network's bridge, made as the DHCP side makes
 * its own: src/linux/network-plumbing.ts, src/linux/plumbing-commands.ts), routes, and one nftables table
 * (router-nft.ts). Every apply reads what exists and issues only the difference, so an agent restart
 * converges without a flush: rules, conntrack entries and forwarding stay. docs/routers.md.
 *
 * @module
 */
import type { Logger } from '../../common/logger.js';
import { deleteConntrackEntries } from '../../linux/conntrack.js';
import { runFloatingIpChange } from '../../linux/floating-ip-script.js';
import { sendGratuitousArp } from '../../linux/gratuitous-arp.js';
import { listNamespaces, runIpBatch } from '../../linux/ip-batch.js';
import { readNamespaceState } from '../../linux/netlink-state.js';
import {
  ensureBridge,
  ensureNamespace,
  readNamedLinks,
  removeDhcpNamespace,
} from '../../linux/network-plumbing.js';
import { readNftTable, runNftScript } from '../../linux/nftables.js';
import { parseNftTable } from '../../linux/observed-nft.js';
import {
  type BridgeSpec,
  type DhcpDeviceSpec,
  hostDeviceNames,
  tapCommands,
} from '../../linux/plumbing-commands.js';
import { bridgeName, routerNamespaceName } from '../naming.js';
import { type DesiredRouter, desiredRouter, type RouterPlacement } from './desired-router.js';
import { floatingIpDelta } from './floating-ip-delta.js';
import { GarpAnnouncer } from './garp-announcer.js';
import { routerNamespaceCommands } from './router-namespace-commands.js';
import { ROUTER_NFT_FAMILY, ROUTER_NFT_TABLE, routerNftPlan } from './router-nft.js';
import type { RouterDataPlane, RouterPortSpec, RouterSpec } from './router-spec.js';

/**
 * Sysctls of a router namespace, set when it is made: forwarding (IPv4 and IPv6) in this namespace only,
 * never the host's; a floating IP /32 or a second subnet address survives the removal of another; ARP is
 * answered only on the device holding the address, from the best local source (Neutron's
 * `Namespace.create`): two `qr-` devices on one network (an IPv6 subnet's interface beside the IPv4 one)
 * would otherwise both answer for the IPv4 gateway, and traffic sent to the device without an IPv4
 * address fails the metadata redirect.
 */
export const ROUTER_NAMESPACE_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  'net.ipv4.ip_forward': '1',
  'net.ipv6.conf.all.forwarding': '1',
  'net.ipv4.conf.all.promote_secondaries': '1',
  'net.ipv4.conf.all.arp_ignore': '1',
  'net.ipv4.conf.all.arp_announce': '2',
});

/** Options of {@link LinuxRouterDataPlane}. */
export interface LinuxRouterDataPlaneOptions {
  /** `--namespace-prefix`. */
  readonly namespacePrefix: string;
  /** Where bridges and taps live (`host_namespace`); undefined = the agent's own namespace. */
  readonly hostNamespace: string | undefined;
  /**
   * A network's bridge and uplink, as the DHCP plumbing has it (`desiredPlumbing`). Default: `brq<net>`
   * without an uplink (made if missing; the DHCP side adds the uplink when it converges the network).
   */
  readonly bridgeFor?: (port: RouterPortSpec) => BridgeSpec | undefined;
  readonly logger?: Logger;
  /** Between the rounds of gratuitous ARPs (garp-announcer.ts); default 2 s as Neutron. */
  readonly garpIntervalMs?: number;
}

/** What one converge did (empty lists: nothing needed changing). */
export interface RouterConvergeReport {
  readonly createdNamespace: boolean;
  readonly hostLines: readonly string[];
  readonly namespaceLines: readonly string[];
  readonly nftLines: readonly string[];
  /** Floating IPs whose conntrack entries were deleted (released, remapped or newly associated). */
  readonly released: readonly string[];
  /** Addresses handed to gratuitous ARP (sent after the apply returns; {@link LinuxRouterDataPlane.announced}). */
  readonly announcing: readonly string[];
  readonly ignored: readonly string[];
  /** Only floating IPs changed and the change was applied as a delta, nothing read (floating-ip-delta.ts). */
  readonly delta: boolean;
}

/** The local bridge of a port's network, no uplink. */
function localBridge(port: RouterPortSpec): BridgeSpec {
  return { bridge: bridgeName(port.networkId), uplink: { kind: 'none' } };
}

/** Routers on Linux: namespaces, veths, routes and an nftables table each. */
export class LinuxRouterDataPlane implements RouterDataPlane {
  private readonly placement: RouterPlacement;
  /** One operation at a time per router (the tail of its queue). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly announcer: GarpAnnouncer;
  /**
   * Per router, what its last successful converge made it (dropped on failure and removal): a change of
   * floating IPs only is then applied as a delta against it, without reading the namespace or the table.
   */
  private readonly converged = new Map<string, DesiredRouter>();

  constructor(private readonly options: LinuxRouterDataPlaneOptions) {
    this.placement = {
      namespacePrefix: options.namespacePrefix,
      bridgeFor: options.bridgeFor ?? localBridge,
    };
    this.announcer = new GarpAnnouncer(
      sendGratuitousArp,
      (router, address, detail) =>
        this.options.logger?.warn({ router, address, detail }, 'router: gratuitous ARP not sent'),
      options.garpIntervalMs,
    );
  }

  async apply(spec: RouterSpec): Promise<void> {
    await this.converge(spec);
  }

  /** {@link apply} with what it did; a router that is administratively down is removed (as Neutron does). */
  converge(spec: RouterSpec): Promise<RouterConvergeReport | undefined> {
    return this.serialized(spec.id, async () => {
      if (!spec.adminStateUp) {
        await this.removeNow(spec.id);
        return undefined;
      }
      const desired = desiredRouter(spec, this.placement);
      const previous = this.converged.get(spec.id);
      this.converged.delete(spec.id);
      const delta = previous === undefined ? undefined : floatingIpDelta(previous, desired);
      const report =
        delta === undefined
          ? await this.convergeNow(desired)
          : await this.applyFloatingIpDelta(desired, delta).catch((error: unknown) => {
              this.options.logger?.warn(
                { router: spec.id, err: error },
                'router: floating IP delta failed, converging from what exists',
              );
              return this.convergeNow(desired);
            });
      this.converged.set(spec.id, desired);
      return report;
    });
  }

  remove(routerId: string): Promise<void> {
    return this.serialized(routerId, () => this.removeNow(routerId));
  }

  async list(): Promise<readonly string[]> {
    const prefix = routerNamespaceName('', this.options.namespacePrefix);
    return (await listNamespaces())
      .filter((name) => name.startsWith(prefix) && name.length > prefix.length)
      .map((name) => name.slice(prefix.length));
  }

  private serialized<T>(routerId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(routerId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(routerId, tail);
    void tail.then(() => {
      if (this.queues.get(routerId) === tail) this.queues.delete(routerId);
    });
    return next;
  }

  /** Deleting the devices first takes their `tap…` peers with them at once (network-plumbing.ts explains). */
  private async removeNow(routerId: string): Promise<void> {
    // Announcements still queued are moot once the router goes (at most the ones being sent are waited for).
    this.converged.delete(routerId);
    this.announcer.cancel(routerId);
    await this.announcer.idle(routerId);
    await removeDhcpNamespace(routerNamespaceName(routerId, this.options.namespacePrefix));
  }

  /** Resolves when the gratuitous ARPs queued for `routerId` so far were sent, all rounds (tests, shutdown). */
  async announced(routerId: string): Promise<void> {
    await this.announcer.idle(routerId);
  }

  /**
   * Only floating IPs changed: the map elements first (from here a packet to the address is translated),
   * then the `/32`s (from here the router answers ARP for it), and only then the tracked connections of the
   * addresses are deleted: one that began before the association (e.g. sent to the address by a neighbour
   * that still had it in its cache) would otherwise keep its un-translated path, as one after a
   * disassociation would keep the translated one. All three in one process (floating-ip-script.ts); the
   * gratuitous ARPs go (a raw socket, no process) once the script says the elements and addresses are in.
   */
  private async applyFloatingIpDelta(
    desired: DesiredRouter,
    delta: NonNullable<ReturnType<typeof floatingIpDelta>>,
  ): Promise<RouterConvergeReport> {
    const namespace = desired.namespace;
    const gatewayDevice = desired.nat.gatewayDevice;
    // The gratuitous ARPs go as soon as the elements and addresses are in, not after conntrack: a neighbour
    // whose entry for the address is incomplete would otherwise wait for its own ARP retry (1 s apart).
    const startedAt = Date.now();
    let inAt = 0;
    const flushed = await runFloatingIpChange(
      namespace,
      {
        nftLines: delta.nftLines,
        ipLines: delta.ipLines,
        // Disassociation: no ARP answer first, then no translation.
        order: delta.added.length > 0 ? 'nft-first' : 'ip-first',
        conntrackAddresses: [...new Set([...delta.released, ...delta.mapped])],
      },
      () => {
        inAt = Date.now();
        this.announcer.cancel(desired.routerId, delta.released);
        if (gatewayDevice !== undefined)
          this.announcer.announce(desired.routerId, namespace, gatewayDevice, delta.added);
      },
    );
    // bench/routers/run.ts --profile: when the process started, its nft and ip were in, it ended.
    this.options.logger?.debug(
      { event: 'l3.floating_ip_delta', router: desired.routerId, startedAt, inAt, doneAt: Date.now() },
      'router: floating IP delta applied',
    );
    return {
      createdNamespace: false,
      hostLines: [],
      namespaceLines: delta.ipLines,
      nftLines: delta.nftLines,
      released: flushed,
      announcing: delta.added,
      ignored: desired.ignored,
      delta: true,
    };
  }

  private async convergeNow(desired: DesiredRouter): Promise<RouterConvergeReport> {
    const namespace = desired.namespace;
    const hostNamespace = this.options.hostNamespace;
    if (desired.ignored.length > 0)
      this.options.logger?.warn(
        { router: desired.routerId, ignored: desired.ignored },
        'router: parts left out',
      );
    const createdNamespace = await ensureNamespace(namespace, ROUTER_NAMESPACE_SYSCTLS);
    const taps: DhcpDeviceSpec[] = desired.ports.map((port) => ({
      namespace,
      bridge: port.bridge?.bridge,
      tap: port.tap,
      device: port.device,
      mac: port.mac,
      mtu: port.mtu,
      addresses: [],
      gateway: undefined,
    }));
    const observedHost = await readNamedLinks(
      hostNamespace,
      desired.ports.flatMap((port, index) => hostDeviceNames(port.bridge, taps[index] as DhcpDeviceSpec)),
    );
    let inside = readNamespaceState(namespace);
    // Half-done creates: a device without its tap, or a tap without its device, would make the veth
    // creation fail (or never happen); both ends go and the pair is made again.
    const orphans = taps.filter((tap) => !observedHost.has(tap.tap) && inside.links.has(tap.device));
    const strayTaps = taps.filter((tap) => observedHost.has(tap.tap) && !inside.links.has(tap.device));
    await runIpBatch(
      namespace,
      orphans.map((tap) => `link del ${tap.device}`),
      { force: true },
    );
    await runIpBatch(
      hostNamespace,
      strayTaps.map((tap) => `link del ${tap.tap}`),
      { force: true },
    );
    const hostLinks = new Map(observedHost);
    for (const tap of strayTaps) hostLinks.delete(tap.tap);
    const hostLines: string[] = [];
    const bridges = new Map(
      desired.ports.flatMap((port) => (port.bridge ? [[port.bridge.bridge, port.bridge]] : [])),
    );
    for (const bridge of bridges.values())
      hostLines.push(...(await ensureBridge(hostNamespace, bridge, hostLinks)));
    const tapLines = taps.flatMap((tap) => tapCommands(tap, hostLinks));
    await runIpBatch(hostNamespace, tapLines);
    hostLines.push(...tapLines);
    if (tapLines.length > 0 || orphans.length > 0) inside = readNamespaceState(namespace);

    const commands = routerNamespaceCommands(desired, inside);
    await runIpBatch(namespace, commands.lines);
    await runIpBatch(namespace, commands.staleRoutes, { force: true });
    await runIpBatch(namespace, commands.routes);

    const listed = await readNftTable(namespace, ROUTER_NFT_FAMILY, ROUTER_NFT_TABLE);
    const observedTable = listed === undefined ? undefined : parseNftTable(listed);
    const plan = routerNftPlan(desired.nat, observedTable);
    await runNftScript(namespace, plan.lines);
    const gatewayDevice = desired.nat.gatewayDevice;
    this.announcer.cancel(desired.routerId, plan.releasedFloatingIps);
    if (gatewayDevice !== undefined)
      this.announcer.announce(desired.routerId, namespace, gatewayDevice, commands.announce);
    // After the map change: from here no new connection takes the old path; these are the ones that did
    // (and, for an address mapped anew, the ones that began before it was: applyFloatingIpDelta says why).
    const present = observedTable?.maps.get('fip_dnat');
    const mapped = [...desired.nat.floatingIps]
      .filter(([floating, fixed]) => present?.get(floating) !== fixed)
      .map(([floating]) => floating);
    const flushed = await deleteConntrackEntries(namespace, [
      ...new Set([...plan.releasedFloatingIps, ...mapped]),
    ]);
    return {
      createdNamespace,
      hostLines,
      namespaceLines: [...commands.lines, ...commands.staleRoutes, ...commands.routes],
      nftLines: plan.lines,
      released: flushed,
      announcing: commands.announce,
      ignored: desired.ignored,
      delta: false,
    };
  }
}
