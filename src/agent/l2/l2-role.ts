/**
 * The L2 role of `qdhcp agent` (issue 14, the host half; docs/compute.md): watches the host namespace for
 * instance taps (`tap<port id[0:11]>`, as Nova, libvirt and `qdhcp port plug` name them), finds each one's
 * port (`l2.get_port_by_device`), wires the tap into its network's bridge (bridge and uplink made as the
 * DHCP plumbing makes them: src/linux/network-plumbing.ts), protects it (src/linux/nft-l2-rules.ts) and
 * reports the binding (`l2.port_bound`); when the tap goes, its protection goes and the port goes DOWN.
 *
 * Devices are re-read on every `ip monitor link` line and every `scanIntervalMs`; plugged ports are
 * re-read on a port event of the control plane and on the periodic scan (100 taps' ports and groups per
 * scan in turn), so a change reaches the kernel even if an event was lost. A security group
 * event's changes (rules, members) are applied without a read when the group here is at their base
 * revision, else one tap per set of shared chains is re-read (group-enforcer.ts). One converge runs at a
 * time; triggers during one coalesce into one more.
 *
 * @module
 */
import { TAP_DEVICE_PATTERN } from '../../bus/l2-agent-rpc.js';
import type { SecurityGroupEventV1 } from '../../bus/security-group-rpc.js';
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { runIpBatch } from '../../linux/ip-batch.js';
import { LinkWatch } from '../../linux/link-watch.js';
import { readLinks } from '../../linux/network-plumbing.js';
import { applyNft } from '../../linux/nft-l2.js';
import {
  dropTableScript,
  type PortFilterSpec,
  portChangeScript,
  tableScript,
} from '../../linux/nft-l2-rules.js';
import type { ObservedLink } from '../../linux/observed-links.js';
import type { PlumbingSettings } from '../plumbing-settings.js';
import { GroupEnforcer, type GroupEvent } from './group-enforcer.js';
import type { L2Rpc } from './l2-rpc.js';
import { removeLeftovers } from './leftovers.js';
import { portFilterOf } from './port-filter.js';
import type { SecurityGroupRpc } from './security-group-client.js';
import { attachTap, NetworkBridges } from './tap-wiring.js';

const TAP = new RegExp(TAP_DEVICE_PATTERN);
/** Taps whose port the periodic scan re-reads per tick (all of them up to this many). */
const SCAN_SLICE = 100;

/** A tap this role wired: its port and the filter in the kernel (undefined: unprotected). */
interface WiredTap {
  readonly portId: string;
  readonly bridge: string;
  filter: PortFilterSpec | undefined;
  /** `l2.port_bound up` answered; until then every refresh asks again. */
  bound: boolean;
}

export interface L2RoleDeps {
  readonly host: string;
  readonly rpc: L2Rpc;
  /** The security group contract; absent: groups are not enforced (only the stateless protection). */
  readonly securityGroups?: SecurityGroupRpc;
  readonly plumbing: PlumbingSettings;
  readonly logger: Logger;
  /** Periodic re-read of devices and plugged ports (default 10 s). */
  readonly scanIntervalMs?: number;
  /** How long a tap without a port is left alone before it is looked up again (default 2 s). */
  readonly retryMs?: number;
}

export class L2Role {
  private readonly wired = new Map<string, WiredTap>();
  /** Taps that are not ours to wire (no port yet, a DHCP or router port), until the time given. */
  private readonly skipped = new Map<string, number>();
  private readonly refreshWanted = new Set<string>();
  /** Taps whose groups are re-read at the end of the converge, in one batch. */
  private readonly groupsWanted = new Set<string>();
  /** Security group events not applied yet, oldest first (their changes apply in order). */
  private readonly groupEvents: GroupEvent[] = [];
  /** Taps whose groups the periodic scan re-reads, {@link SCAN_SLICE} per batch (an event goes first). */
  private readonly scanGroups = new Set<string>();
  /** The security groups in iptables and ipset (undefined: groups not enforced). */
  private readonly groups: GroupEnforcer | undefined;
  /** Taps whose last wire or refresh failed (see {@link converge}: leftovers wait for them). */
  private readonly failing = new Set<string>();
  private readonly bridges: NetworkBridges;
  private readonly watch: LinkWatch;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Whether the table was rebuilt since this process started (see {@link converge}). */
  private tableReady = false;
  private again = false;
  /** A security group event is waiting: enforced between two taps of a running converge. */
  private groupsUrgent = false;
  /** Where the periodic scan's next slice of port re-reads starts. */
  private scanCursor = 0;
  /** Whether the next converge reads the host's links (anything but a security group event). */
  private linksWanted = true;
  /** Whether what a previous process left was removed (once, after the first converge: leftovers.ts). */
  private swept = false;
  private stopped = false;
  /** Milliseconds of the last protection changes (apply → nft done), newest last, at most 1,000. */
  readonly updateLatenciesMs: number[] = [];

  constructor(private readonly deps: L2RoleDeps) {
    this.watch = new LinkWatch(deps.plumbing.hostNamespace, () => this.trigger());
    this.bridges = new NetworkBridges(deps.plumbing);
    const client = deps.securityGroups;
    this.groups =
      client === undefined
        ? undefined
        : new GroupEnforcer({
            host: deps.host,
            namespace: deps.plumbing.hostNamespace,
            client,
            logger: deps.logger,
          });
  }

  start(): void {
    this.watch.start();
    this.timer = setInterval(() => this.trigger(true), this.deps.scanIntervalMs ?? 10_000);
    this.trigger(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watch.stop();
    await this.running;
  }

  /** Taps wired now → port id (for status and tests). */
  wiredTaps(): Map<string, string> {
    return new Map([...this.wired].map(([tap, wired]) => [tap, wired.portId]));
  }

  /** A control-plane message: a change of a plugged port re-reads it; a security group event is queued. */
  handleMessage(message: unknown): void {
    const event = message as { schema?: unknown; resource?: unknown; id?: unknown };
    if (event.schema === 'qdhcp.security-group-event') {
      if (this.groups === undefined) return;
      const { securityGroupIds, portIds, changes, occurredAt } = message as SecurityGroupEventV1;
      const named = new Set(portIds);
      let reread = false;
      // A port the event names may have new addresses too (an L2-only host gets no port events): re-read.
      for (const [tap, wired] of this.wired) {
        if (!named.has(wired.portId)) continue;
        this.refreshWanted.add(tap);
        reread = true;
      }
      // The groups' new rules or members: applied in order by the enforcement loop (group-enforcer.ts).
      this.groupEvents.push({ securityGroupIds, changes, occurredAt, receivedAt: performance.now() });
      this.groupsUrgent = true;
      this.trigger(false, reread);
      return;
    }
    if (event.schema !== 'qdhcp.resource-event' || event.resource !== 'port') return;
    for (const [tap, wired] of this.wired) {
      if (wired.portId === event.id) {
        this.refreshWanted.add(tap);
        this.trigger();
      }
    }
  }

  /**
   * Runs a converge now, or once more after the running one. `refreshAll` (the periodic scan): re-read
   * the groups of every plugged port (in slices, {@link enforceScannedGroups}) and the ports of the next {@link SCAN_SLICE} taps in
   * turn (one RPC each: 1,000 of them took 16 s on a loaded machine, longer than the scan's interval).
   * `links` false (a security group event): only the wanted groups are enforced, without reading the
   * host's links first (one process less on the way from an API change to the kernel).
   */
  private trigger(refreshAll = false, links = true): void {
    if (this.stopped) return;
    if (refreshAll) this.scanSlice();
    if (links) this.linksWanted = true;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const started = performance.now();
          const refreshed = this.refreshWanted.size;
          if (this.linksWanted) {
            this.linksWanted = false;
            await this.converge();
          } else await this.enforceWantedGroups();
          const ms = Math.round(performance.now() - started);
          this.deps.logger.debug(
            { event: 'l2.converged', ms, refreshed, taps: this.wired.size },
            'L2 converge',
          );
        } catch (error) {
          this.deps.logger.warn(
            { event: 'l2.converge_failed', error: errorText(error) },
            'L2 converge failed',
          );
        }
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
  }

  /** The scan's share: the next {@link SCAN_SLICE} taps' ports and groups, round robin (docs/performance.md
   * "Issue 14", round 3: every tap's groups per tick were the slow rule-change samples). */
  private scanSlice(): void {
    const taps = [...this.wired.keys()];
    const count = Math.min(SCAN_SLICE, taps.length);
    for (let i = 0; i < count; i++) {
      const tap = taps[(this.scanCursor + i) % taps.length] ?? '';
      this.refreshWanted.add(tap);
      this.scanGroups.add(tap);
    }
    this.scanCursor = taps.length === 0 ? 0 : (this.scanCursor + count) % taps.length;
  }

  private async converge(): Promise<void> {
    const namespace = this.deps.plumbing.hostNamespace;
    const links = await readLinks(namespace);
    const taps = [...links.values()].filter((link) => TAP.test(link.name) && link.kind !== 'bridge');
    const present = new Set(taps.map((link) => link.name));
    for (const tap of [...this.wired.keys()]) if (!present.has(tap)) await this.unwire(tap);
    for (const tap of [...this.skipped.keys()]) if (!present.has(tap)) this.skipped.delete(tap);
    for (const tap of [...this.failing]) if (!present.has(tap)) this.failing.delete(tap);
    const now = Date.now();
    for (const link of taps) {
      const wired = this.wired.get(link.name);
      if (wired === undefined) {
        if ((this.skipped.get(link.name) ?? 0) > now) continue;
        await this.guard(link.name, () => this.wire(link, links));
      } else if (this.refreshWanted.delete(link.name)) {
        await this.guard(link.name, () => this.refresh(link, wired, links));
      }
      // A security group event does not wait for a long converge (taps plugged by the hundred).
      if (this.groupsUrgent) await this.enforceWantedGroups();
    }
    await this.enforceWantedGroups();
    await this.enforceScannedGroups();
    // Only once every present tap is wired as it should be (a server away at start must not strip what the
    // previous process's rules still protect).
    if (this.swept || this.failing.size > 0) return;
    this.swept = true;
    const none = { groupTaps: [], sharedKeys: [], base: false, sets: [] };
    const kept = { table: this.tableReady, ...(this.groups?.kept() ?? none) };
    await removeLeftovers(this.deps.plumbing.hostNamespace, kept, this.deps.logger);
  }

  /** Security group events' changes in order, then the groups of the taps refreshed, in one batch. */
  private async enforceWantedGroups(): Promise<void> {
    if (this.groups === undefined) return;
    this.groupsUrgent = false;
    for (let event = this.groupEvents.shift(); event !== undefined; event = this.groupEvents.shift()) {
      const { groups } = this;
      // Known here, not in the kernel: the taps concerned are read and written again below.
      await groups.applyEvent(event).catch((error: unknown) => {
        for (const tap of groups.tapsConcerned(event.securityGroupIds)) this.groupsWanted.add(tap);
        this.deps.logger.warn(
          { event: 'l2.group_event_failed', error: errorText(error) },
          'group change failed',
        );
      });
    }
    const targets = [...this.groupsWanted].flatMap((tap) => {
      const wired = this.wired.get(tap);
      return wired === undefined ? [] : [{ tap, portId: wired.portId }];
    });
    this.groupsWanted.clear();
    try {
      await this.groups.enforce(targets);
    } catch (error) {
      // Asked again on the next converge (the periodic scan triggers one).
      for (const { tap } of targets) this.groupsWanted.add(tap);
      throw error;
    }
    await this.groups.prune();
  }

  /** The scan's re-read of every tap's groups, a slice at a time, a pending event's groups first. */
  private async enforceScannedGroups(): Promise<void> {
    while (this.groups !== undefined && this.scanGroups.size > 0 && !this.stopped) {
      if (this.groupsUrgent) await this.enforceWantedGroups();
      const slice = [...this.scanGroups].slice(0, SCAN_SLICE);
      const targets = slice.flatMap((tap) => {
        const wired = this.wired.get(tap);
        return wired === undefined ? [] : [{ tap, portId: wired.portId }];
      });
      await this.groups.enforce(targets); // a failure leaves the slice for the next converge
      for (const tap of slice) this.scanGroups.delete(tap);
    }
    await this.groups?.prune();
  }

  private async guard(tap: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.failing.delete(tap);
    } catch (error) {
      this.failing.add(tap);
      this.skipped.set(tap, Date.now() + (this.deps.retryMs ?? 2000));
      this.deps.logger.warn({ event: 'l2.tap_failed', tap, error: errorText(error) }, 'tap not wired');
    }
  }

  private async wire(link: ObservedLink, links: ReadonlyMap<string, ObservedLink>): Promise<void> {
    const tap = link.name;
    const reply = await this.deps.rpc.call('l2.get_port_by_device', { host: this.deps.host, device: tap });
    const { port, network } = reply;
    if (port === null || network === null) {
      this.skipped.set(tap, Date.now() + (this.deps.retryMs ?? 2000));
      return;
    }
    if (port.device_owner.startsWith('network:')) {
      // The agent's own DHCP taps and router ports: their plumbing wires them (Neutron never binds them).
      this.skipped.set(tap, Number.POSITIVE_INFINITY);
      return;
    }
    const bridge = await this.bridges.ensure(network, links);
    const wired: WiredTap = { portId: port.id, bridge, filter: undefined, bound: false };
    // Tracked before anything can fail half-way, so a retry continues from what is in the kernel; and
    // protected before it joins the bridge, so it is never in it unprotected.
    this.wired.set(tap, wired);
    await this.applyFilter(tap, wired, portFilterOf(tap, port));
    await this.groups?.enforce([{ tap, portId: port.id }]);
    await attachTap(this.deps.plumbing.hostNamespace, link, bridge, network.mtu);
    await this.reportBound(wired);
    this.deps.logger.info({ event: 'l2.tap_wired', tap, port: port.id, bridge }, 'instance tap wired');
  }

  private async reportBound(wired: WiredTap): Promise<void> {
    const report = { host: this.deps.host, port_id: wired.portId, up: true };
    const reply = await this.deps.rpc.call('l2.port_bound', report);
    // false: the port is bound to another host (moved through the API); asked again on every re-read.
    wired.bound = reply.bound !== false;
  }

  private async refresh(
    link: ObservedLink,
    wired: WiredTap,
    links: ReadonlyMap<string, ObservedLink>,
  ): Promise<void> {
    const tap = link.name;
    const { port, network } = await this.deps.rpc.call('l2.get_port_by_device', {
      host: this.deps.host,
      device: tap,
    });
    if (port === null || network === null || port.id !== wired.portId) {
      // The port was deleted (or the prefix now names another): out of the bridge first, so the tap is
      // never in it unprotected; a new port of that prefix wires it again.
      await runIpBatch(this.deps.plumbing.hostNamespace, [`link set dev ${tap} nomaster`]);
      await this.unwire(tap);
      this.skipped.set(tap, Date.now() + (this.deps.retryMs ?? 2000));
      return;
    }
    await this.applyFilter(tap, wired, portFilterOf(tap, port));
    this.groupsWanted.add(tap);
    // A wire that failed half-way (the bridge, the report) is finished here; new flooding peers too.
    await this.bridges.ensure(network, links);
    await attachTap(this.deps.plumbing.hostNamespace, link, wired.bridge, network.mtu);
    // Not bound here, or not ACTIVE (`binding:host_id` moved through the API, maybe back here, puts the L2
    // block back; or DHCP is pending: an RPC that writes nothing): report again.
    const bound =
      wired.bound && port['binding:host_id'] === this.deps.host && (port.status ?? 'ACTIVE') === 'ACTIVE';
    if (!bound) await this.reportBound(wired);
  }

  private async applyFilter(tap: string, wired: WiredTap, next: PortFilterSpec | undefined): Promise<void> {
    const lines = portChangeScript(tap, wired.filter, next);
    if (lines.length === 0) return;
    const namespace = this.deps.plumbing.hostNamespace;
    if (!this.tableReady) {
      // Made on the first protected tap only, so an agent that never sees an instance tap leaves no nft
      // table behind. What a previous process left is not known element by element: the table is
      // rebuilt, and the converge under way protects every present tap again (docs/compute.md).
      await applyNft(namespace, [...dropTableScript(), ...tableScript()]);
      this.tableReady = true;
    }
    const started = performance.now();
    await applyNft(namespace, lines);
    this.updateLatenciesMs.push(performance.now() - started);
    if (this.updateLatenciesMs.length > 1000) this.updateLatenciesMs.shift();
    wired.filter = next;
  }

  private async unwire(tap: string): Promise<void> {
    const wired = this.wired.get(tap);
    this.wired.delete(tap);
    this.refreshWanted.delete(tap);
    this.groupsWanted.delete(tap);
    this.scanGroups.delete(tap);
    if (wired === undefined) return;
    try {
      await this.applyFilter(tap, wired, undefined);
      await this.groups?.remove(tap);
      await this.deps.rpc.call('l2.port_bound', { host: this.deps.host, port_id: wired.portId, up: false });
      this.deps.logger.info({ event: 'l2.tap_unwired', tap, port: wired.portId }, 'instance tap gone');
    } catch (error) {
      this.deps.logger.warn({ event: 'l2.unwire_failed', tap, error: errorText(error) }, 'tap not unwired');
    }
  }
}
