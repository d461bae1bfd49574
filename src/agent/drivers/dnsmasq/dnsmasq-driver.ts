import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIpv4 } from '../../../dhcp/index.js';
import { removeDhcpNamespace } from '../../../linux/network-plumbing.js';
import { deriveDhcpConfig } from '../../dhcp-config/derive.js';
import {
  type DnsmasqPaths,
  dnsmasqArguments,
  dnsmasqPaths,
  renderAddnHostsFile,
  renderHostsFile,
  renderOptsFile,
} from '../../dhcp-config/render.js';
import type { DhcpConfig } from '../../dhcp-config/types.js';
import { dhcpNamespaceName } from '../../naming.js';
import type { NetworkDelta, NetworkState } from '../../reconciler/network-state.js';
import type { ApplyOptions, DhcpDriver, DriverCapabilities, NetworkStatus } from '../driver.js';
import { type DriverDeps, type PreparedNetwork, plumbNetwork, prepareState } from '../prepare-network.js';
import { NetworkAdvertisers } from '../router-advertisements/network-advertisers.js';
import { ensureDirectory, writeFileAtomic } from './atomic-files.js';
import { CoalescedRewrite } from './coalesced-rewrite.js';
import { DnsmasqProcess } from './dnsmasq-process.js';

/** Options of the dnsmasq driver. */
export interface DnsmasqDriverOptions {
  /** Neutron's `dhcp_confs`: one directory per network below it; must be traversable by `nobody`. */
  readonly stateDirectory: string;
  /** dnsmasq executable (default `dnsmasq` from PATH). */
  readonly binary?: string;
  /** First respawn delay (default 500 ms). */
  readonly restartDelayMs?: number;
}

interface DnsmasqNetwork {
  /** The snapshot last applied: the coalesced rewrite renders the latest one. */
  state: NetworkState;
  /** Desired devices and DHCP context of the last converge (a port change does not move them). */
  prepared: PreparedNetwork;
  config: DhcpConfig;
  readonly paths: DnsmasqPaths;
  process: DnsmasqProcess;
  /** Port changes coalesce into one rewrite of the files + SIGHUP (see {@link CoalescedRewrite}). */
  readonly rewrite: CoalescedRewrite;
  reloads: number;
  /** Restarts without a gap in place of a SIGHUP (see {@link reloadUnsafe}). */
  replacements: number;
  rewriteFailures: number;
  unexpectedExits: number;
}

/**
 * dnsmasq 2.90 crashes (SIGSEGV or abort) on SIGHUP once a host whose `dhcp-hostsfile` line sets a tag
 * (`set:port-<id>`, every port with extra DHCP options) has taken a lease from it — whatever the reload
 * changes (docs/agent.md, "dnsmasq": reproduced 3 of 3; hosts without a tag reload fine). So a process
 * whose loaded files hold a tagged host is restarted ({@link DnsmasqProcess.replace}), never HUPed.
 */
function reloadUnsafe(loaded: DhcpConfig): boolean {
  return loaded.hosts.some((host) => host.setTag !== undefined);
}

/** Spec §5.7: `<expiry> <mac> <ip> * *` for every IPv4 host, so renewals after a restart are not NAKed. */
function initialLeases(config: DhcpConfig, leaseSeconds: number, nowSeconds: number): string {
  const expiry = leaseSeconds < 0 ? 0 : nowSeconds + leaseSeconds;
  return config.hosts
    .flatMap((host) => (host.ipVersion === 4 ? [`${expiry} ${host.mac} ${formatIpv4(host.ip)} * *\n`] : []))
    .join('');
}

/**
 * A dnsmasq left by a previous agent run (its pid file names a live process whose command line mentions
 * the network, Neutron's `active` test of spec §4.16) would hold port 67: SIGKILL it and wait (≤ 2 s).
 */
export async function stopStaleDnsmasq(pidFile: string, networkId: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(networkId)) return undefined;
  } catch {
    return undefined;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return undefined;
  }
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return pid;
}

/**
 * Neutron's driver: one real dnsmasq per network in its namespace, with Neutron's command line and files
 * (spec §5.2–5.7). A port change rewrites `host`, `addn_hosts` and `opts` (atomically) and sends SIGHUP —
 * coalesced per network, so a burst of port changes costs one rewrite (`apply` returns once the change is
 * accepted; `settled` waits for the files); a change of the command line (subnets, MTU, domain) restarts
 * it; a dnsmasq that dies is restarted.
 */
export class DnsmasqDriver implements DhcpDriver {
  readonly name = 'dnsmasq';
  readonly capabilities: DriverCapabilities;
  private readonly networks = new Map<string, DnsmasqNetwork>();
  /** Router advertisements for isolated IPv6 subnets: the agent's, as with the builtin driver (not dnsmasq's). */
  private readonly advertisers: NetworkAdvertisers;

  constructor(
    private readonly deps: DriverDeps,
    private readonly options: DnsmasqDriverOptions,
  ) {
    this.advertisers = new NetworkAdvertisers(deps.logger);
    this.capabilities = {
      incrementalPortUpdates: false,
      processPerNetwork: true,
      servesDns: deps.dhcp.dnsEnabled,
    };
  }

  async apply(state: NetworkState, delta: NetworkDelta, options: ApplyOptions = {}): Promise<void> {
    const entry = this.networks.get(state.id);
    // Our own port's addresses are the plumbing's: converge everything (spec §4.7 "restart" case).
    if (delta.full || delta.dhcpPort) {
      await this.converge(state, options);
      return;
    }
    if (entry === undefined) return;
    if (delta.subnetOptions && state.dhcpPort !== undefined) {
      // A router interface came or went: its subnets' advertisements are the router's now, or ours again.
      this.advertisers.update(state.id, entry.prepared.desired.device, state.network, state.dhcpPort, false);
    }
    if (delta.hosts.length === 0) return;
    // O(1) here: the rewrite derives the files from whichever snapshot is the latest when it runs.
    entry.state = state;
    entry.rewrite.request();
  }

  private async converge(state: NetworkState, options: ApplyOptions): Promise<void> {
    const network = state.network;
    const prepared = prepareState(state, this.deps);
    await plumbNetwork(prepared, options.hostLinks);
    const config = deriveDhcpConfig(network, prepared.context);
    const existing = this.networks.get(network.id);
    const device = prepared.desired.device;
    const deviceChanged =
      existing !== undefined &&
      (existing.prepared.desired.device.device !== device.device ||
        existing.prepared.desired.device.namespace !== device.namespace);
    this.advertisers.update(network.id, device, network, prepared.dhcpPort, deviceChanged);
    // A coalesced rewrite still running would write files from the model before this one.
    await existing?.rewrite.settled();
    const paths = existing?.paths ?? dnsmasqPaths(join(this.options.stateDirectory, network.id));
    const args = dnsmasqArguments(config, paths, {
      dnsEnabled: this.deps.dhcp.dnsEnabled,
      dnsServers: this.deps.dhcp.dnsServers,
      foreground: true,
    });
    await ensureDirectory(paths.directory);
    await this.writeConfigFiles(config, paths);
    await writeFileAtomic(paths.interface, device.device);
    if (existing !== undefined) {
      const loaded = existing.config;
      existing.state = state;
      existing.prepared = prepared;
      existing.config = config;
      const sameCommandLine =
        existing.process.pid !== undefined && existing.process.args.join('\0') === args.join('\0');
      if (sameCommandLine) {
        await this.reloadFiles(existing, loaded);
        return;
      }
      await existing.process.stop();
    }
    const entry: DnsmasqNetwork = existing ?? {
      state,
      prepared,
      config,
      paths,
      process: this.newProcess(network.id, prepared, args, paths),
      rewrite: this.newRewrite(network.id),
      reloads: 0,
      replacements: 0,
      rewriteFailures: 0,
      unexpectedExits: 0,
    };
    if (existing !== undefined) entry.process = this.newProcess(network.id, prepared, args, paths);
    this.networks.set(network.id, entry);
    if (existing === undefined) await stopStaleDnsmasq(paths.pid, network.id);
    await rm(paths.pid, { force: true });
    await writeFileAtomic(
      paths.leases,
      initialLeases(config, this.deps.dhcp.leaseSeconds, Math.floor(Date.now() / 1000)),
    );
    await entry.process.start();
    this.deps.logger.info(
      { event: 'agent.network_enabled', networkId: network.id, driver: this.name, pid: entry.process.pid },
      'dnsmasq started',
    );
  }

  private newProcess(
    networkId: string,
    prepared: PreparedNetwork,
    args: readonly string[],
    paths: DnsmasqPaths,
  ): DnsmasqProcess {
    return new DnsmasqProcess({
      namespace: prepared.desired.device.namespace,
      binary: this.options.binary ?? 'dnsmasq',
      args,
      pidFile: paths.pid,
      ...(this.options.restartDelayMs === undefined ? {} : { restartDelayMs: this.options.restartDelayMs }),
      onUnexpectedExit: (code, signal) => {
        const entry = this.networks.get(networkId);
        if (entry !== undefined) entry.unexpectedExits++;
        this.deps.logger.warn(
          { event: 'agent.dnsmasq_died', networkId, code, signal },
          'dnsmasq died; restarting it',
        );
      },
      onSteeringFailed: (error) =>
        this.deps.logger.warn(
          { event: 'agent.dnsmasq_steering_failed', networkId, err: error },
          'port 67 not steered to the new dnsmasq before the old one goes: a request may be lost',
        ),
    });
  }

  /** The coalesced "rewrite the three files from the model, then SIGHUP" of one network. */
  private newRewrite(networkId: string): CoalescedRewrite {
    return new CoalescedRewrite(
      async () => {
        const entry = this.networks.get(networkId);
        if (entry === undefined) return;
        // Neutron's reload_allocations: the three files from the whole model, then HUP (spec §4.16).
        const config = deriveDhcpConfig(entry.state.network, entry.prepared.context);
        await this.writeConfigFiles(config, entry.paths);
        const loaded = entry.config;
        entry.config = config;
        await this.reloadFiles(entry, loaded);
      },
      (error) => {
        const entry = this.networks.get(networkId);
        if (entry !== undefined) entry.rewriteFailures++;
        this.deps.logger.warn(
          { event: 'agent.dnsmasq_rewrite_failed', networkId, err: error },
          'dnsmasq files not rewritten (the next change or resync tries again)',
        );
      },
    );
  }

  /**
   * Makes the running dnsmasq serve the files just written (`entry.config`): SIGHUP, or where a SIGHUP
   * would crash it (`loaded`, what it serves now, holds a tagged host) a restart with no DHCP gap.
   */
  private async reloadFiles(entry: DnsmasqNetwork, loaded: DhcpConfig): Promise<void> {
    if (!reloadUnsafe(loaded) || entry.process.pid === undefined) {
      entry.process.reload();
      entry.reloads++;
      return;
    }
    // The lease file stays as the predecessor keeps it: its successor knows the same leases, so it
    // answers like a reloaded process would (a renewal of a moved address is NAKed, not ignored).
    await entry.process.replace();
    entry.replacements++;
  }

  /** Resolves once every port change accepted for the network is in its files and dnsmasq was HUPed. */
  async settled(networkId: string): Promise<void> {
    await this.networks.get(networkId)?.rewrite.settled();
  }

  private async writeConfigFiles(config: DhcpConfig, paths: DnsmasqPaths): Promise<void> {
    await writeFileAtomic(paths.hosts, renderHostsFile(config));
    await writeFileAtomic(paths.addnHosts, renderAddnHostsFile(config));
    await writeFileAtomic(paths.opts, renderOptsFile(config));
  }

  async remove(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    const entry = this.networks.get(networkId);
    this.networks.delete(networkId);
    this.advertisers.remove(networkId);
    await entry?.rewrite.cancel();
    await entry?.process.stop();
    if (options.retainPort) return;
    await removeDhcpNamespace(
      entry?.prepared.desired.device.namespace ??
        dhcpNamespaceName(networkId, this.deps.plumbing.namespacePrefix),
    );
    await rm(entry?.paths.directory ?? join(this.options.stateDirectory, networkId), {
      recursive: true,
      force: true,
    });
  }

  status(networkId: string): NetworkStatus | undefined {
    const entry = this.networks.get(networkId);
    if (entry === undefined) return undefined;
    const pid = entry.process.pid;
    return {
      networkId,
      namespace: entry.prepared.desired.device.namespace,
      device: entry.prepared.desired.device.device,
      ports: entry.state.portCount,
      state: pid === undefined ? 'failed' : 'serving',
      detail:
        pid === undefined
          ? entry.process.lastError.trim().slice(-300) || 'dnsmasq is not running'
          : undefined,
      counters: {
        reloads: entry.reloads,
        replacements: entry.replacements,
        restarts: entry.process.restarts,
        rewriteFailures: entry.rewriteFailures,
        unexpectedExits: entry.unexpectedExits,
        ...this.advertisers.counters(networkId),
      },
      pid,
    };
  }

  enabledNetworks(): readonly string[] {
    return [...this.networks.keys()];
  }

  async stop(): Promise<void> {
    const entries = [...this.networks.values()];
    this.networks.clear();
    this.advertisers.stop();
    await Promise.all(entries.map((entry) => entry.rewrite.cancel()));
    await Promise.all(entries.map((entry) => entry.process.stop()));
  }
}
