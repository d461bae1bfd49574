/**
 * The L2 role of `qdhcp agent` (issue 14, the host half; docs/compute.md): watches the host namespace for
 * instance taps (`tap<port id[0:11]>`, as Nova, libvirt and `qdhcp port plug` name them), finds each one's
 * port (`l2.get_port_by_device`), wires the tap into its network's bridge (bridge and uplink made as the
 * DHCP plumbing makes them: src/linux/network-plumbing.ts), protects it (src/linux/nft-l2-rules.ts) and
 * reports the binding (`l2.port_bound`); when the tap goes, its protection goes and the port goes DOWN.
 *
 * Devices are re-read on every `ip monitor link` line and every `scanIntervalMs`; plugged ports are
 * re-read on a port event of the control plane, on a security group event naming them or their groups,
 * and on the periodic scan, so a change reaches the kernel within one scan even if an event was lost.
 * One converge runs at a time; triggers during one coalesce into one more.
 *
 * @module
 */
import { type L2Port, TAP_DEVICE_PATTERN } from '../../bus/l2-agent-rpc.js';
import type { SecurityGroupEventV1, SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { runIpBatch } from '../../linux/ip-batch.js';
import {
  applyIpset,
  applyPortGroups,
  destroyIpsets,
  ensureSecurityGroupBase,
  removePortGroups,
} from '../../linux/iptables-sg.js';
import { ipsetChangeLines, type PortGroupsSpec } from '../../linux/iptables-sg-rules.js';
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
import type { L2Rpc } from './l2-rpc.js';
import { removeLeftovers } from './leftovers.js';
import { portFilterOf } from './port-filter.js';
import { groupsConcerning, portGroupsOf } from './port-groups.js';
import type { SecurityGroupRpc } from './security-group-client.js';
import { attachTap, NetworkBridges } from './tap-wiring.js';

const TAP = new RegExp(TAP_DEVICE_PATTERN);
type SecurityGroupInfo = SecurityGroupResult<'securitygroups.info'>;

/** A tap this role wired: its port and the filter in the kernel (undefined: unprotected). */
interface WiredTap {
  readonly portId: string;
  readonly bridge: string;
  filter: PortFilterSpec | undefined;
  /** The security group chains in iptables (undefined: none; docs/compute.md "Security groups"). */
  groups: PortGroupsSpec | undefined;
  /** The remote-group ipsets those chains name. */
  sets: readonly string[];
  /** The groups the port is in or names as remote: a security group event naming one re-reads it. */
  concerning: ReadonlySet<string>;
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
  /** Taps whose last wire or refresh failed (see {@link converge}: leftovers wait for them). */
  private readonly failing = new Set<string>();
  /** Taps whose groups' rules or members changed (a security group event): their groups re-enforced. */
  private readonly groupsWanted = new Set<string>();
  private readonly bridges: NetworkBridges;
  private readonly watch: LinkWatch;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Whether the table was rebuilt since this process started (see {@link converge}). */
  private tableReady = false;
  /** Whether the iptables base (qsg-fwd, br_netfilter in the host namespace) is in place. */
  private groupsReady = false;
  /** The remote-group ipsets in the kernel → their members (shared by every port naming the group). */
  private readonly remoteSets = new Map<string, readonly string[]>();
  private again = false;
  /** Whether what a previous process left was removed (once, after the first converge: leftovers.ts). */
  private swept = false;
  private stopped = false;
  /** Milliseconds of the last protection changes (apply → nft done), newest last, at most 1,000. */
  readonly updateLatenciesMs: number[] = [];

  constructor(private readonly deps: L2RoleDeps) {
    this.watch = new LinkWatch(deps.plumbing.hostNamespace, () => this.trigger());
    this.bridges = new NetworkBridges(deps.plumbing);
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

  /**
   * A control-plane message: a change of a plugged port re-reads it; a security group event
   * (`qdhcp.security-group-event`: rules or members changed) re-reads the plugged ports it names and
   * those in or naming one of its groups, at once (the periodic scan stays the safety net).
   */
  handleMessage(message: unknown): void {
    const event = message as { schema?: unknown; resource?: unknown; id?: unknown };
    if (event.schema === 'qdhcp.security-group-event') {
      if (this.deps.securityGroups === undefined) return;
      const { securityGroupIds, portIds } = message as SecurityGroupEventV1;
      for (const [tap, wired] of this.wired) {
        // A port the event names may have new addresses too (an L2-only host gets no port events): re-read;
        // the others only have new rules or members: their groups, from one info call for all of them.
        if (portIds.includes(wired.portId)) this.refreshWanted.add(tap);
        else if (securityGroupIds.some((id) => wired.concerning.has(id))) this.groupsWanted.add(tap);
      }
      this.trigger();
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

  /** Runs a converge now, or once more after the running one. `refreshAll`: re-read every plugged port. */
  private trigger(refreshAll = false): void {
    if (this.stopped) return;
    if (refreshAll) for (const tap of this.wired.keys()) this.refreshWanted.add(tap);
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.converge();
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
    }
    await this.enforceGroupsOf([...this.groupsWanted].filter((tap) => present.has(tap)));
    await this.pruneSets();
    // Only once every present tap is wired as it should be (a server away at start must not strip what the
    // previous process's rules still protect).
    if (this.swept || this.failing.size > 0) return;
    this.swept = true;
    const groupTaps = [...this.wired].filter(([, w]) => w.groups !== undefined).map(([tap]) => tap);
    const sets = [...this.remoteSets.keys()];
    const kept = { table: this.tableReady, groupTaps, base: this.groupsReady, sets };
    await removeLeftovers(this.deps.plumbing.hostNamespace, kept, this.deps.logger);
  }

  /** The groups of taps whose groups only changed: one `securitygroups.info` for all, then each one's chains. */
  private async enforceGroupsOf(taps: readonly string[]): Promise<void> {
    this.groupsWanted.clear();
    const client = this.deps.securityGroups;
    const wired = taps.flatMap((tap) => {
      const entry = this.wired.get(tap);
      return entry === undefined ? [] : [{ tap, entry }];
    });
    if (client === undefined || wired.length === 0) return;
    const info = await client.info(this.deps.host, [...new Set(wired.map(({ entry }) => entry.portId))]);
    for (const { tap, entry } of wired) await this.guard(tap, () => this.enforceGroups(tap, entry, info));
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
    const wired: WiredTap = {
      portId: port.id,
      bridge,
      filter: undefined,
      groups: undefined,
      sets: [],
      concerning: new Set(),
      bound: false,
    };
    // Tracked before anything can fail half-way, so a retry continues from what is in the kernel; and
    // protected before it joins the bridge, so it is never in it unprotected.
    this.wired.set(tap, wired);
    await this.protect(tap, wired, port);
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
    await this.protect(tap, wired, port);
    // A wire that failed half-way (the bridge, the report) is finished here; new flooding peers too.
    await this.bridges.ensure(network, links);
    await attachTap(this.deps.plumbing.hostNamespace, link, wired.bridge, network.mtu);
    // Not bound here, or not ACTIVE (`binding:host_id` moved through the API, maybe back here, puts the L2
    // block back; or DHCP is pending: an RPC that writes nothing): report again.
    const bound =
      wired.bound && port['binding:host_id'] === this.deps.host && (port.status ?? 'ACTIVE') === 'ACTIVE';
    if (!bound) await this.reportBound(wired);
  }

  /** Moves the tap's elements from its filter in the kernel to the port's (only what differs). */
  private async protect(tap: string, wired: WiredTap, port: L2Port): Promise<void> {
    await this.applyFilter(tap, wired, portFilterOf(tap, port));
    await this.enforceGroups(tap, wired);
  }

  /**
   * The port's security groups into iptables: member sets first (element changes only), then the port's
   * two chains when its rules changed. Before the tap joins the bridge on a wire (see {@link wire}).
   */
  private async enforceGroups(tap: string, wired: WiredTap, batch?: SecurityGroupInfo): Promise<void> {
    const client = this.deps.securityGroups;
    if (client === undefined) return;
    const namespace = this.deps.plumbing.hostNamespace;
    const info = batch ?? (await client.info(this.deps.host, [wired.portId]));
    wired.concerning = groupsConcerning(wired.portId, info);
    const next = portGroupsOf(tap, wired.portId, info);
    if (next === undefined) {
      if (wired.groups !== undefined) await removePortGroups(namespace, tap);
      wired.groups = undefined;
      wired.sets = [];
      return;
    }
    if (!this.groupsReady) {
      const bridged = await ensureSecurityGroupBase(namespace);
      if (!bridged)
        this.deps.logger.warn(
          { event: 'l2.bridge_nf_off', namespace: namespace ?? '(current)' },
          'net.bridge.bridge-nf-call-iptables is 0: security groups are not enforced on bridged traffic',
        );
      this.groupsReady = true;
    }
    const setLines: string[] = [];
    for (const [name, { family, members }] of next.sets) {
      setLines.push(...ipsetChangeLines(name, family, this.remoteSets.get(name), members));
    }
    const started = performance.now();
    await applyIpset(namespace, setLines);
    for (const [name, { members }] of next.sets) this.remoteSets.set(name, members);
    if (JSON.stringify(next.spec) !== JSON.stringify(wired.groups)) {
      await applyPortGroups(namespace, next.spec, wired.groups === undefined);
      wired.groups = next.spec;
    }
    wired.sets = [...next.sets.keys()];
    if (setLines.length > 0) this.updateLatenciesMs.push(performance.now() - started);
  }

  /**
   * Destroys the remote-group ipsets no plugged port's chains name any more: after the converge, so the
   * rules that named them are already rewritten or removed (the kernel refuses to destroy a set in use).
   */
  private async pruneSets(): Promise<void> {
    if (this.remoteSets.size === 0) return;
    const named = new Set([...this.wired.values()].flatMap((wired) => wired.sets));
    const unused = [...this.remoteSets.keys()].filter((name) => !named.has(name));
    if (unused.length === 0) return;
    await destroyIpsets(this.deps.plumbing.hostNamespace, unused);
    for (const name of unused) this.remoteSets.delete(name);
    this.deps.logger.info(
      { event: 'l2.ipsets_destroyed', sets: unused },
      'unused security group sets removed',
    );
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
    if (wired === undefined) return;
    try {
      await this.applyFilter(tap, wired, undefined);
      if (wired.groups !== undefined) await removePortGroups(this.deps.plumbing.hostNamespace, tap);
      wired.groups = undefined;
      wired.sets = [];
      await this.deps.rpc.call('l2.port_bound', { host: this.deps.host, port_id: wired.portId, up: false });
      this.deps.logger.info({ event: 'l2.tap_unwired', tap, port: wired.portId }, 'instance tap gone');
    } catch (error) {
      this.deps.logger.warn({ event: 'l2.unwire_failed', tap, error: errorText(error) }, 'tap not unwired');
    }
  }
}
