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
import { routerNamespaceCommands } from './router-namespace-commands.js';
import { ROUTER_NFT_FAMILY, ROUTER_NFT_TABLE, routerNftPlan } from './router-nft.js';
import type { RouterDataPlane, RouterPortSpec, RouterSpec } from './router-spec.js';

/**
 * Sysctls of a router namespace, set when it is made: forwarding (IPv4 and IPv6) in this namespace only,
 * never the host's; a floating IP /32 or a second subnet address survives the removal of another.
 */
export const ROUTER_NAMESPACE_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  'net.ipv4.ip_forward': '1',
  'net.ipv6.conf.all.forwarding': '1',
  'net.ipv4.conf.all.promote_secondaries': '1',
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
}

/** What one converge did (empty lists: nothing needed changing). */
export interface RouterConvergeReport {
  readonly createdNamespace: boolean;
  readonly hostLines: readonly string[];
  readonly namespaceLines: readonly string[];
  readonly nftLines: readonly string[];
  /** Floating IPs whose conntrack entries were deleted. */
  readonly released: readonly string[];
  /** Addresses handed to gratuitous ARP (sent after the apply returns; {@link LinuxRouterDataPlane.announced}). */
  readonly announcing: readonly string[];
  readonly ignored: readonly string[];
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
  /** Gratuitous ARPs still being sent, per router (`done` never rejects: failures are logged). */
  private readonly announcements = new Map<string, { done: Promise<void>; cancelled: boolean }>();

  constructor(private readonly options: LinuxRouterDataPlaneOptions) {
    this.placement = {
      namespacePrefix: options.namespacePrefix,
      bridgeFor: options.bridgeFor ?? localBridge,
    };
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
      return this.convergeNow(desiredRouter(spec, this.placement));
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
    // Announcements still queued are moot once the router goes (at most the one being sent is waited for).
    const queue = this.announcements.get(routerId);
    if (queue !== undefined) {
      queue.cancelled = true;
      await queue.done;
    }
    await removeDhcpNamespace(routerNamespaceName(routerId, this.options.namespacePrefix));
  }

  /**
   * Sends the gratuitous ARPs of a converge after it returns: forwarding is in place once the nft
   * transaction is committed, and ~0.1 s per address (arping) must not delay the first packet. One address
   * after another per router (200 floating IPs at once are not 200 processes); a failure is logged.
   */
  private announce(routerId: string, namespace: string, device: string, addresses: readonly string[]): void {
    const queue = this.announcements.get(routerId) ?? { done: Promise.resolve(), cancelled: false };
    queue.done = queue.done.then(async () => {
      for (const address of addresses) {
        if (queue.cancelled) return;
        const result = await sendGratuitousArp(namespace, device, address);
        if (!result.sent)
          this.options.logger?.warn(
            { router: routerId, address, detail: result.detail },
            'router: gratuitous ARP not sent',
          );
      }
    });
    this.announcements.set(routerId, queue);
    const done = queue.done;
    void done.then(() => {
      if (queue.done === done && this.announcements.get(routerId) === queue)
        this.announcements.delete(routerId);
    });
  }

  /** Resolves when the gratuitous ARPs queued for `routerId` so far were sent (tests, shutdown). */
  async announced(routerId: string): Promise<void> {
    await this.announcements.get(routerId)?.done;
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
    const plan = routerNftPlan(desired.nat, listed === undefined ? undefined : parseNftTable(listed));
    await runNftScript(namespace, plan.lines);
    // After the map change: from here no new connection takes the old path; these are the ones that did.
    await deleteConntrackEntries(namespace, plan.releasedFloatingIps);
    const gatewayDevice = desired.nat.gatewayDevice;
    if (gatewayDevice !== undefined && commands.announce.length > 0)
      this.announce(desired.routerId, namespace, gatewayDevice, commands.announce);
    return {
      createdNamespace,
      hostLines,
      namespaceLines: [...commands.lines, ...commands.staleRoutes, ...commands.routes],
      nftLines: plan.lines,
      released: plan.releasedFloatingIps,
      announcing: commands.announce,
      ignored: desired.ignored,
    };
  }
}
