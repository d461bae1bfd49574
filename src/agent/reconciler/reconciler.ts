import type { AgentNetwork as WireNetwork } from '../../bus/dhcp-agent-rpc.js';
import type { ResourceEventV1 } from '../../bus/messages.js';
import { networkNeedsDhcp } from '../desired-plumbing.js';
import type { ApplyOptions } from '../drivers/driver.js';
import { type AgentNetwork, awaitsReady } from '../model.js';
import { CoalescedRun } from './coalesced-run.js';
import { ensureDhcpPort } from './dhcp-port.js';
import { decideEvent, parseBusMessage } from './event-decision.js';
import { HostSnapshot } from './host-snapshot.js';
import { KeyedSerialQueue } from './keyed-queue.js';
import { FULL_DELTA, NetworkState, type StateChange, type StateRules } from './network-state.js';
import { networkFromView } from './network-view.js';
import { NO_OBSERVER, type ReconcilerObserver } from './observer.js';
import { removeLeftovers } from './orphan-guard.js';
import {
  afterTeardown,
  deletedNetwork,
  describe,
  failedEntry,
  held,
  isPermanent,
  PhaseTimer,
  reportOf,
  totalsOf,
} from './reconciler-helpers.js';
import type { Entry, NetworkReport, ReconcilerOptions, ServedNetwork } from './reconciler-types.js';
import { restoreServed } from './restore.js';
import { RetryBackoff } from './retry-backoff.js';
import { ServerReports } from './server-reports.js';
import { yieldToEventLoop } from './yield.js';

const FULL_SYNC = '*'; // the full sync's retry key (network ids are UUIDs)
/**
 * The DHCP agent's reconciler (spec §4.3–4.8, STYLE 7.2 #7): the server is the source of truth; the agent
 * holds one state per network (network-state.ts: the only revision checks) and converges the driver and
 * its peers to it, per network in order (different networks in parallel, bounded), from three inputs:
 *
 * - **full sync** (startup, periodic, revived agent): `dhcp.get_active_networks` → converge each; networks
 *   it holds that are not in the list and namespaces a previous run left → torn down;
 * - **events** (`qdhcp.resource-event`): stale ones dropped by network revision, the next one applied
 *   (a port change → the next state and its delta to every peer), a gap → resync of that network
 *   (`dhcp.get_network`);
 * - **binding events** (`qdhcp.agent-binding`): converge or tear down one network.
 *
 * Every resync logs its reason. Failures schedule a retry of that network (or of the full sync).
 */
export class Reconciler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: KeyedSerialQueue;
  private readonly pendingSyncs = new Map<string, Promise<void>>();
  private readonly retries: RetryBackoff;
  private readonly observer: ReconcilerObserver;
  private readonly clock: () => number;
  private readonly reports: ServerReports;
  private readonly hostSnapshot: HostSnapshot;
  private readonly rules: StateRules;
  /** Networks served from the snapshot (restore) that the server has not confirmed yet. */
  private readonly restored = new Set<string>();
  private readonly fullSyncs = new CoalescedRun<string>((reason) => this.runFullSync(reason));
  private periodic: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.queue = new KeyedSerialQueue(options.parallelism ?? 8);
    this.retries = new RetryBackoff(options.retryDelayMs ?? 2000);
    this.observer = options.observer ?? NO_OBSERVER;
    this.clock = options.clock ?? Date.now;
    this.hostSnapshot = new HostSnapshot(options.readHostLinks);
    this.rules = { dhcpDeviceId: options.dhcpDeviceId, dhcp: options.dhcp };
    this.reports = new ServerReports(options.rpc, options.host, options.logger, options.portsReadyIntervalMs);
  }

  /** Starts the two reporters and the periodic resync (the caller runs the startup sync). */
  start(): void {
    this.reports.start();
    const interval = this.options.resyncIntervalMs ?? 60_000;
    if (interval > 0) {
      this.periodic = setInterval(() => void this.fullSync('periodic resync'), interval);
      this.periodic.unref();
    }
  }

  /** Stops timers and waits for queued work. Leaves the data plane as it is (the peers' `stop` does). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.periodic !== undefined) clearInterval(this.periodic);
    this.retries.stop();
    await this.fullSyncs.idle();
    await this.queue.idle();
    await this.reports.stop();
  }

  /**
   * Serves the served-state snapshot before the server answers (issue 17, after a crash; restore.ts). The
   * first full sync then plumbs those whose revision the server confirms, converges the others and tears
   * down the unbound. Returns how many are served; a failure retries from the server.
   */
  async restore(networks: readonly ServedNetwork[]): Promise<number> {
    await restoreServed(networks, {
      peers: this.options.peers,
      rules: this.rules,
      step: (networkId, work) =>
        this.queue.run(networkId, () =>
          // A loop turn per network: adopting is synchronous, or no socket is read before all are.
          this.guarded(networkId, 'restore from the served-state snapshot', () =>
            yieldToEventLoop().then(work),
          ),
        ),
      entry: (networkId) => this.entries.get(networkId),
      served: (state) => {
        this.setEntry(state, 'serving', undefined, false);
        this.restored.add(state.id);
      },
    });
    return this.restored.size;
  }

  /**
   * Takes one bus message (subscriber). Queues the work and returns at once, so a slow network never holds
   * up the others; the returned promise (tests) settles when this message has been handled.
   */
  handleMessage(message: unknown): Promise<void> {
    const parsed = parseBusMessage(message);
    if (parsed.kind === 'invalid') {
      this.observer.eventDropped('invalid');
      this.options.logger.warn({ event: 'agent.event_invalid', reason: parsed.reason }, 'event dropped');
      return Promise.resolve();
    }
    if (parsed.kind === 'binding') {
      const { event } = parsed;
      if (event.host !== this.options.host) return Promise.resolve();
      if (event.action === 'bound') return this.syncNetwork(event.networkId, 'network bound to this agent');
      return this.queue.run(event.networkId, () => {
        // Nothing here to undo: no release either (Neutron fans every network delete out to every DHCP
        // agent; leftovers of an earlier run go with the next full sync's orphan removal).
        if (!held(this.entries, this.options.peers, event.networkId)) return Promise.resolve();
        return this.guarded(event.networkId, 'unbind', () =>
          this.teardown(event.networkId, { release: true, removeDevices: false }),
        );
      });
    }
    const { event } = parsed;
    return this.queue.run(event.networkId, () =>
      this.guarded(event.networkId, `${event.resource} event`, () => this.applyEvent(event)),
    );
  }

  /**
   * Full resync: converge every network the server binds to this host, tear down the others, remove what a
   * previous run left. Concurrent requests coalesce into one more run after the current one.
   */
  fullSync(reason: string): Promise<void> {
    return this.stopped ? Promise.resolve() : this.fullSyncs.request(reason);
  }

  /** Resync one network from `dhcp.get_network` (coalesced while one is queued). */
  syncNetwork(networkId: string, reason: string): Promise<void> {
    const pending = this.pendingSyncs.get(networkId);
    if (pending !== undefined) return pending;
    const run = this.queue.run(networkId, async () => {
      this.pendingSyncs.delete(networkId);
      await this.convergeFromServer(networkId, reason);
    });
    this.pendingSyncs.set(networkId, run);
    return run;
  }

  /** What is served, per network. */
  report(): NetworkReport[] {
    return reportOf(this.entries);
  }

  /** Totals for the heartbeat's `configurations`. */
  totals(): { networks: number; subnets: number; ports: number } {
    return totalsOf(this.entries);
  }

  /** Ports served but not yet reported with `dhcp.ports_ready` (metrics). */
  portsReadyPending(): number {
    return this.reports.portsReady.pendingCount();
  }

  /** Waits until every queued network task has finished (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async runFullSync(reason: string): Promise<void> {
    const { logger, rpc, host, peers } = this.options;
    const started = this.clock();
    logger.info({ event: 'agent.resync', scope: 'full', reason }, 'full resync');
    try {
      // Where a resync's time goes (logged with "full resync done"): server, host read, converge, leftovers.
      const timer = new PhaseTimer<'rpc' | 'hostRead' | 'converge' | 'orphans'>(this.clock);
      const { networks } = await rpc.call('dhcp.get_active_networks', { host });
      timer.lap('rpc');
      const wanted = new Set(networks.map((view) => view.id));
      await this.hostSnapshot.take();
      timer.lap('hostRead');
      const tasks = networks.map((view) =>
        this.queue.run(view.id, () =>
          this.guarded(view.id, reason, () =>
            this.convergeView(view, true, this.hostSnapshot.optionsFor(view.id)),
          ),
        ),
      );
      const held = new Set([...this.entries.keys(), ...peers.enabledNetworks()]);
      for (const id of held) {
        if (wanted.has(id)) continue;
        tasks.push(
          this.queue.run(id, () =>
            this.guarded(id, 'not bound any more', () =>
              this.teardown(id, { release: true, removeDevices: false }),
            ),
          ),
        );
      }
      await Promise.all(tasks).finally(() => this.hostSnapshot.release());
      timer.lap('converge');
      const keep = new Set([...wanted, ...peers.enabledNetworks()]);
      await removeLeftovers(this.options, { queue: this.queue, keep, entries: this.entries, peers });
      timer.lap('orphans');
      this.retries.succeeded(FULL_SYNC);
      this.observer.syncFinished('full', (this.clock() - started) / 1000, true);
      const ms = this.clock() - started;
      const done = { event: 'agent.resync_done', scope: 'full', networks: networks.length, ms };
      logger.info({ ...done, ...timer.phases }, 'full resync done');
    } catch (error) {
      this.observer.syncFinished('full', (this.clock() - started) / 1000, false);
      logger.warn({ event: 'agent.resync_failed', scope: 'full', reason, err: error }, 'full resync failed');
      const again = `full resync failed: ${describe(error)}`;
      this.retries.failed(FULL_SYNC, () => void this.fullSync(again));
    }
  }

  private async applyEvent(event: ResourceEventV1): Promise<void> {
    const id = event.networkId;
    const entry = this.entries.get(id);
    if (entry === undefined) {
      if (event.resource === 'network' && event.action === 'deleted') {
        // Often already torn down (its DHCP port went first); the bridge and uplink may still be here.
        await this.teardown(id, { release: false, removeDevices: true }, deletedNetwork(event));
        return;
      }
      // A network (or subnet) we do not hold: it may be new and bound to us; ports of it can wait.
      if (event.resource !== 'port' && event.action !== 'deleted') {
        await this.convergeFromServer(id, `${event.resource} ${event.action} on a network not held yet`);
      } else {
        this.observer.eventDropped('unknown-network');
      }
      return;
    }
    const applied = entry.network.revision;
    const decision = decideEvent(event, applied);
    const latency = () => this.clock() - Date.parse(event.occurredAt);
    switch (decision.kind) {
      case 'drop':
        this.observer.eventDropped(decision.reason);
        this.options.logger.debug(
          { event: 'agent.event_stale', networkId: id, revision: event.networkRevision, applied },
          'stale event dropped',
        );
        return;
      case 'resync':
        await this.convergeFromServer(id, decision.reason);
        this.observer.eventApplied(event.resource, latency());
        return;
      case 'network-deleted':
        await this.teardown(id, { release: false, removeDevices: true });
        this.observer.eventApplied(event.resource, latency());
        return;
      case 'port-delete':
      case 'port-upsert':
        if (decision.kind === 'port-delete' && entry.network.dhcpPort?.id === decision.portId) {
          await this.convergeFromServer(id, 'own DHCP port deleted');
          return;
        }
        await this.applyChange(entry, { ...decision, revision: event.networkRevision });
        this.observer.eventApplied(event.resource, latency());
        return;
    }
  }

  /** One port change: the next state, and its delta to the peers when the network is served. O(change). */
  private async applyChange(entry: Entry, change: StateChange): Promise<void> {
    const { next, delta } = entry.network.apply(change);
    const id = next.id;
    if (entry.state === 'serving') {
      if (delta.hosts.length > 0) await this.options.peers.apply(next, delta);
      if (change.kind === 'port-upsert' && awaitsReady(change.port))
        this.reports.portsReady.addPriority([change.port.id]);
    }
    this.entries.set(id, { ...entry, network: next });
    if (entry.state === 'serving') this.options.servedState?.changed(id, next);
  }

  private async convergeFromServer(networkId: string, reason: string): Promise<void> {
    const started = this.clock();
    this.options.logger.info(
      { event: 'agent.resync', scope: 'network', networkId, reason },
      'network resync',
    );
    await this.guarded(networkId, reason, async () => {
      const { network } = await this.options.rpc.call('dhcp.get_network', {
        host: this.options.host,
        networkId,
      });
      if (network === null) {
        // Gone or bound elsewhere. Only what this agent holds needs undoing (no release for strangers).
        if (held(this.entries, this.options.peers, networkId))
          await this.teardown(networkId, { release: true, removeDevices: false });
      } else await this.convergeView(network, false);
      this.observer.syncFinished('network', (this.clock() - started) / 1000, true);
    });
  }

  /** Converges one network to a snapshot. A snapshot older than what is applied is skipped (full sync). */
  private async convergeView(
    view: WireNetwork,
    fromFullSync: boolean,
    applyOptions: ApplyOptions = {},
  ): Promise<void> {
    const { peers, rpc, host, dhcpDeviceId } = this.options;
    const { network: snapshot, revision } = networkFromView(view);
    const previous = this.entries.get(view.id);
    const applied = previous?.network.revision;
    if (fromFullSync && previous?.state !== 'failed' && applied !== undefined && applied > revision) return;
    if (this.restored.delete(view.id) && previous?.state === 'serving' && applied === revision) {
      // Served from the snapshot at the server's revision on devices as the crash left them: plumb now.
      await peers.apply(previous.network, FULL_DELTA, applyOptions);
      this.reports.portsReady.add(previous.network.network.ports.filter(awaitsReady).map((port) => port.id));
      return;
    }
    const state = NetworkState.of(snapshot, revision, this.rules);
    if (!networkNeedsDhcp(snapshot)) {
      if (peers.status(view.id) !== undefined || previous?.state === 'serving')
        await peers.remove(view.id, { retainPort: false });
      if (state.dhcpPort !== undefined)
        await rpc.call('dhcp.release_port', { host, networkId: view.id, deviceId: dhcpDeviceId(view.id) });
      this.setEntry(state, 'idle', undefined);
      return;
    }
    const served = await ensureDhcpPort(state, { rpc, host, rules: this.rules });
    if (served === undefined) {
      await this.teardown(view.id, { release: false, removeDevices: false });
      return;
    }
    await peers.apply(served, FULL_DELTA, applyOptions);
    this.setEntry(served, 'serving', undefined);
    this.reports.portsReady.add(served.network.ports.filter(awaitsReady).map((port) => port.id));
    this.reports.networksServed.add([view.id]); // answering: a draining agent may stop (agent-drain.ts)
  }

  private async teardown(
    networkId: string,
    how: { readonly release: boolean; readonly removeDevices: boolean },
    lastKnown?: AgentNetwork,
  ): Promise<void> {
    const network = this.entries.get(networkId)?.network.network ?? lastKnown;
    await this.options.peers.remove(networkId, { retainPort: false });
    this.entries.delete(networkId);
    this.restored.delete(networkId);
    this.options.servedState?.changed(networkId, undefined);
    this.retries.succeeded(networkId);
    await afterTeardown(this.options, networkId, how, network);
  }

  /** `persist`: false when the served-state snapshot already holds this (restore). */
  private setEntry(network: NetworkState, state: Entry['state'], detail?: string, persist = true): void {
    const previous = this.entries.get(network.id);
    const since = previous?.state === state ? previous.since : this.clock();
    this.entries.set(network.id, { network, state, since, detail });
    if (state === 'failed') return;
    this.retries.succeeded(network.id);
    if (persist) this.options.servedState?.changed(network.id, state === 'serving' ? network : undefined);
  }

  /** Runs network work; a failure marks the network failed and (unless permanent) schedules a retry. */
  private async guarded(networkId: string, reason: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const permanent = isPermanent(error);
      this.options.logger.error(
        { event: 'agent.network_failed', networkId, reason, permanent, err: error },
        'network work failed',
      );
      const placeholder = () => NetworkState.placeholder(networkId, this.rules);
      this.entries.set(networkId, failedEntry(this.entries.get(networkId), placeholder, error, this.clock()));
      const again = `retry after failure: ${describe(error)}`;
      if (!permanent) this.retries.failed(networkId, () => void this.syncNetwork(networkId, again));
    } finally {
      // Whatever this did to the network's devices is not in a host snapshot taken before it ended.
      this.hostSnapshot.touch(networkId);
    }
  }
}

export type { NetworkReport, ReconcilerOptions, ServedNetwork } from './reconciler-types.js';
