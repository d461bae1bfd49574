/**
 * The composition root of the DHCP agent: builds the driver, the reconciler, heartbeats, the status socket
 * and metrics from the configuration, subscribes to the bus and starts them. The only place that builds
 * these objects; nothing starts before {@link startAgent} is called.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentControlPlane, busControlPlane } from '../agent/control-plane.js';
import { BuiltinDriver } from '../agent/drivers/builtin/builtin-driver.js';
import { BuiltinDnsPeer } from '../agent/drivers/builtin/dns-peer.js';
import type { DhcpDriver, NetworkPeer } from '../agent/drivers/driver.js';
import { type DriverDeps, readHostLinks } from '../agent/drivers/prepare-network.js';
import type { L2Role } from '../agent/l2/l2-role.js';
import { MetadataProxyPeer } from '../agent/metadata-proxy/metadata-peer.js';
import { MetadataProxy } from '../agent/metadata-proxy/proxy-server.js';
import { RouterMetadata } from '../agent/metadata-proxy/router-metadata.js';
import { dhcpNamespaceName, dhcpPortDeviceId } from '../agent/naming.js';
import {
  DEFAULT_PLUMBING_SETTINGS,
  mappedPhysnets,
  type PlumbingSettings,
} from '../agent/plumbing-settings.js';
import { removeOrphanNamespaces } from '../agent/reconciler/host-orphans.js';
import { NetworkPeers } from '../agent/reconciler/network-peers.js';
import { Reconciler } from '../agent/reconciler/reconciler.js';
import { yieldToEventLoop } from '../agent/reconciler/yield.js';
import type { AgentConfig } from '../agent/runtime/agent-config.js';
import { Heartbeat } from '../agent/runtime/heartbeat.js';
import { startLoopDelayLog } from '../agent/runtime/loop-delay.js';
import { AgentMetrics } from '../agent/runtime/metrics.js';
import { serveMetrics } from '../agent/runtime/metrics-server.js';
import { removeNetworkDevices } from '../agent/runtime/network-devices.js';
import { type AgentStatus, serveStatus, statusSocketPath } from '../agent/runtime/status-socket.js';
import { restoreInto, servedStateWriter } from '../agent/served-state/served-state.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpSettings } from '../agent/settings.js';
import type { Bus } from '../bus/bus.js';
import { renderBusMetrics } from '../bus/bus-counters.js';
import type { ResyncRequestV1 } from '../bus/resync-request.js';
import type { Logger } from '../common/logger.js';
import { ensureStateDir } from '../linux/state-dir.js';
import type { RoleDeps, RunningRoles } from './agent-roles.js';
import { metadataBackendOf } from './metadata-backend.js';

/** A running agent. `close()` stops serving (namespaces stay for the next start) and may be called twice. */
export interface RunningAgent {
  readonly reconciler: Reconciler;
  /** The DHCP driver and its peers (DNS, metadata proxy). */
  readonly peers: NetworkPeers;
  readonly metrics: AgentMetrics;
  /**
   * Metadata listeners in router namespaces on the same proxy (issue 13): for the router reconciler of the
   * L3 role, which opens one per `qrouter-` namespace. Closed with the proxy when the agent stops.
   */
  readonly routerMetadata: RouterMetadata;
  /** Settles when the served-state snapshot's networks are served (at once without one; never rejects). */
  readonly restored: Promise<void>;
  status(): AgentStatus;
  /**
   * Binds the status socket again: after a takeover the agent handed over from removed its path when it
   * closed its own (libuv unlinks a unix socket's path on close, src/agent/handover/).
   */
  rebindStatusSocket(): Promise<void>;
  /** The Prometheus text of the agent's families (its metrics server, or the API's in all-in-one). */
  renderMetrics(): string;
  close(): Promise<void>;
}

function settingsFrom(config: AgentConfig): { dhcp: DhcpSettings; plumbing: PlumbingSettings } {
  return {
    dhcp: {
      ...DEFAULT_DHCP_SETTINGS,
      dnsDomain: config.dnsDomain,
      leaseSeconds: config.dhcpLeaseDuration,
      renewalSeconds: config.dhcpRenewalTime,
      rebindingSeconds: config.dhcpRebindingTime,
      enableIsolatedMetadata: config.enableIsolatedMetadata,
      forceMetadata: config.forceMetadata,
      dnsServers: config.dnsServers,
    },
    plumbing: {
      ...DEFAULT_PLUMBING_SETTINGS,
      namespacePrefix: config.namespacePrefix,
      hostNamespace: config.hostNamespace,
      physicalInterfaceMappings: config.physicalInterfaceMappings,
      bridgeMappings: config.bridgeMappings,
      localIp: config.localIp,
      ipv6: existsSync('/proc/sys/net/ipv6'),
      l2Owner: config.l2Owner,
    },
  };
}

/**
 * The control plane `config.rpc` names: qdhcp's servers over the process's bus, or a neutron-server over
 * oslo.messaging (waits up to 15 s for the first connection; then the agent starts anyway and its calls
 * retry until the broker answers).
 */
export async function createControlPlane(
  config: AgentConfig,
  bus: Bus,
  logger: Logger,
): Promise<AgentControlPlane> {
  if (config.rpc !== 'neutron') return busControlPlane(bus);
  const { NeutronControlPlane } = await import('../neutron/neutron-control-plane.js');
  const controlPlane = new NeutronControlPlane({
    transportUrl: config.transportUrl,
    exchange: config.controlExchange,
    host: config.host,
    timeoutMs: config.rpcResponseTimeoutSeconds * 1000,
    availabilityZone: config.availabilityZone,
    dhcpLeaseDuration: config.dhcpLeaseDuration,
    logger: logger.child({ component: 'neutron-rpc' }),
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    controlPlane.start(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 15_000);
    }),
  ]);
  clearTimeout(timer);
  return controlPlane;
}

/** What an agent is started with. */
export interface AgentDeps {
  readonly controlPlane: AgentControlPlane;
  readonly logger: Logger;
  /** The L3/L2 roles' contract client and the router data plane (agent-roles.ts); absent: DHCP only. */
  readonly roles?: RoleDeps | undefined;
  /**
   * Resolves when the control plane can answer. all-in-one starts its server after the agent's restore
   * (issue 17: answers first), so nothing that asks the server (heartbeats, syncs, the L2 and L3 roles)
   * starts before it; absent: the control plane is up (or retried) from the start.
   */
  readonly controlPlaneReady?: Promise<void> | undefined;
}

/**
 * Starts the agent on its control plane (qdhcp's bus or neutron-server, `control-plane.ts`): subscribes to
 * its messages, sends the first heartbeat, runs the startup full sync in the background (the server may
 * still be starting; failures retry) and the periodic one. The control plane is closed with the agent.
 */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { controlPlane } = deps;
  const logger = deps.logger.child({ component: 'agent', host: config.host });
  // A restart is counted from the process's start (issue 17): how much went before the agent (node's start,
  // module loading) is this line's `processAgeMs` (performance.now() counts from the process's start).
  logger.info(
    { event: 'agent.starting', pid: process.pid, processAgeMs: Math.round(performance.now()) },
    'agent starting',
  );
  const stopLoopDelayLog = startLoopDelayLog(logger);
  const { dhcp, plumbing } = settingsFrom(config);
  ensureStateDir(config.stateDir);
  const driverDeps: DriverDeps = {
    dhcp,
    plumbing,
    dhcpDeviceId: (networkId) => dhcpPortDeviceId(config.host, networkId),
    logger,
    logDhcp: config.logDhcp,
    dhcpSocketHoldMs: config.dhcpSocketHoldMs,
  };
  const dhcpDriver: DhcpDriver =
    config.driver === 'dnsmasq'
      ? new (await import('../agent/drivers/dnsmasq/dnsmasq-driver.js')).DnsmasqDriver(driverDeps, {
          stateDirectory: join(config.stateDir, 'dhcp'),
        })
      : new BuiltinDriver(driverDeps);
  if (config.logDhcp && config.driver !== 'builtin')
    logger.warn({ event: 'agent.log_dhcp_unsupported' }, '--log-dhcp traces the builtin driver only');
  const { rpc } = controlPlane;
  // The metadata proxy is a peer of either driver, as Neutron runs haproxy beside dnsmasq (spec §6).
  const peers: NetworkPeer[] = [];
  // The builtin driver's DNS answers from the agent process; dnsmasq answers DNS itself.
  if (config.driver !== 'dnsmasq' && dhcp.dnsEnabled) peers.push(new BuiltinDnsPeer(driverDeps));
  const metadataBackend = metadataBackendOf(config, rpc, peers);
  const metadataProxy = new MetadataProxy({
    backend: metadataBackend,
    logger,
    limits: config.metadataLimits,
  });
  peers.push(
    new MetadataProxyPeer(metadataProxy, {
      namespacePrefix: plumbing.namespacePrefix,
      ipv6: plumbing.ipv6,
      logger,
    }),
  );
  const routerMetadata = new RouterMetadata(metadataProxy);
  const dataPlane = new NetworkPeers(dhcpDriver, peers);
  const metrics = new AgentMetrics();
  const servedState = config.servedState ? servedStateWriter(config.stateDir, logger) : undefined;
  const reconciler = new Reconciler({
    host: config.host,
    peers: dataPlane,
    dhcp,
    rpc,
    logger,
    dhcpDeviceId: driverDeps.dhcpDeviceId,
    parallelism: config.syncParallelism,
    resyncIntervalMs: config.resyncIntervalSeconds * 1000,
    ...(config.retryDelaySeconds !== undefined && { retryDelayMs: config.retryDelaySeconds * 1000 }),
    observer: metrics,
    removeOrphans: async (keep, guard) => {
      const host = {
        hostNamespace: plumbing.hostNamespace,
        mappedInterfaces: new Set(plumbing.physicalInterfaceMappings.values()),
        mappedBridges: new Set(plumbing.bridgeMappings.values()),
        // Under Neutron's linuxbridge agent (l2_owner) bridges and uplinks are its own: leave them alone.
        ownsL2: plumbing.l2Owner === 'qdhcp',
      };
      const { removed, errors } = await removeOrphanNamespaces(config.namespacePrefix, keep, host, guard);
      for (const error of errors)
        logger.warn({ event: 'agent.orphan_failed', error }, 'leftover not removed');
      return removed;
    },
    removeNetworkDevices: (network) => removeNetworkDevices(network, plumbing),
    readHostLinks: () => readHostLinks(plumbing),
    ...(servedState !== undefined && { servedState }),
  });
  const startedAt = new Date().toISOString();
  const status = (): AgentStatus => ({
    host: config.host,
    driver: dataPlane.name,
    startedAt,
    networks: reconciler.report().map((entry) => {
      const served = dataPlane.status(entry.networkId);
      return {
        ...entry,
        namespace: served?.namespace ?? dhcpNamespaceName(entry.networkId, config.namespacePrefix),
        pid: served?.pid,
        counters: served?.counters ?? {},
      };
    }),
  });
  const renderMetrics = () => {
    const agentText = metrics.render({
      portsReadyPending: reconciler.portsReadyPending(),
      networks: reconciler.report().map((entry) => ({
        networkId: entry.networkId,
        state: entry.state,
        counters: dataPlane.status(entry.networkId)?.counters ?? {},
      })),
    });
    return `${agentText}${renderBusMetrics(controlPlane.stats()).join('\n')}\n`;
  };
  let statusServer = await serveStatus(statusSocketPath(config.stateDir), status);
  const metricsServer =
    config.metricsBind === undefined ? undefined : await serveMetrics(config.metricsBind, renderMetrics);
  let l2Role: L2Role | undefined;
  // Without the dhcp role (an L2-only compute host) no `DHCP agent` reports, so no network is scheduled here.
  const dhcpRole = config.roles.has('dhcp');
  let roles: RunningRoles | undefined;
  const resyncAll = (reason: string) => {
    if (dhcpRole) void reconciler.fullSync(reason);
    roles?.resync(reason);
  };
  const unsubscribe = controlPlane.subscribe(config.host, (message) => {
    // Router events are the L3 role's (dropped when it is off); everything else the DHCP reconciler's.
    const schema = (message as { schema?: unknown } | null)?.schema;
    if (schema === 'qdhcp.router-event') {
      roles?.handleMessage(message);
      return;
    }
    // Security group events are the L2 role's only (the DHCP reconciler would drop them as unknown).
    if (schema === 'qdhcp.security-group-event') {
      l2Role?.handleMessage(message);
      return;
    }
    // A server could not publish something (bus/resync-request.ts): as after this agent's own reconnect.
    if (schema === 'qdhcp.resync-request') {
      const request = message as ResyncRequestV1;
      resyncAll(`${request.origin} asked: ${request.reason}`);
      return;
    }
    if (dhcpRole) void reconciler.handleMessage(message);
    l2Role?.handleMessage(message);
  });
  // Messages sent while the transport was away never reached this agent: a full resync recovers them.
  const unsubscribeReconnect = controlPlane.onResync(resyncAll);
  const heartbeat = new Heartbeat(
    (startFlag) =>
      rpc.call('agent.report_state', {
        host: config.host,
        binary: 'qdhcp-agent',
        agentType: 'DHCP agent',
        availabilityZone: config.availabilityZone,
        startFlag,
        configurations: {
          driver: dataPlane.name,
          ...reconciler.totals(),
          ...(config.localIp !== undefined && { tunnelIp: config.localIp }),
          physicalNetworks: mappedPhysnets(plumbing),
        },
      }),
    config.reportIntervalSeconds * 1000,
    (reason) => void reconciler.fullSync(reason),
    logger,
  );
  if (dhcpRole) reconciler.start();
  // After a crash, serve what the previous process served before the server is asked (issue 17); the
  // startup sync then corrects it. The first heartbeat registers the agent, so the server can schedule
  // networks to it before the sync asks.
  const restored =
    servedState === undefined || !dhcpRole ? Promise.resolve() : restoreSnapshot(config, reconciler, logger);
  // One turn of the loop first: the restored sockets' waiting requests are answered before the heartbeat's
  // and the sync's calls, which in all-in-one run synchronous database work on this loop.
  const controlPlaneReady = deps.controlPlaneReady ?? Promise.resolve();
  if (dhcpRole)
    void restored
      .then(() => yieldToEventLoop())
      .then(() => controlPlaneReady)
      .then(() => heartbeat.start())
      .then(() => reconciler.fullSync('startup'));
  let closing: Promise<void> | undefined;
  let otherRolesStarted = false;
  // The L2 and L3 roles start once the restore is done and the control plane is up: their modules (the
  // router data plane's among them) are loaded only then, so they cost a restart nothing before it serves.
  const startOtherRoles = async () => {
    if (!config.roles.has('l3') && !config.roles.has('l2')) return;
    const { l2RoleOf, routerDataPlaneOf, startRoles } = await import('./agent-roles.js');
    if (closing !== undefined) return;
    otherRolesStarted = true;
    l2Role = l2RoleOf(config, controlPlane, plumbing, logger);
    l2Role?.start();
    const routerDataPlane = routerDataPlaneOf(config, deps.roles, plumbing, routerMetadata, logger);
    roles = startRoles(config, {
      logger,
      roles: deps.roles === undefined ? undefined : { ...deps.roles, routerDataPlane },
    });
  };
  void Promise.all([restored, controlPlaneReady])
    .then(startOtherRoles)
    .catch((error: unknown) =>
      logger.error({ event: 'agent.roles_failed', err: error }, 'roles not started'),
    );
  const started = {
    event: 'agent.started',
    driver: dataPlane.name,
    metrics: metricsServer?.address,
    prefix: config.namespacePrefix,
  };
  // In all-in-one once the server is up too: the line says the process answers (tests and scripts wait for it).
  void controlPlaneReady.then(() => logger.info(started, 'qdhcp agent started'));
  return {
    reconciler,
    peers: dataPlane,
    metrics,
    routerMetadata,
    restored,
    status,
    async rebindStatusSocket() {
      await statusServer.close();
      statusServer = await serveStatus(statusSocketPath(config.stateDir), status);
    },
    renderMetrics,
    close() {
      closing ??= (async () => {
        stopLoopDelayLog();
        unsubscribe();
        unsubscribeReconnect();
        await roles?.close();
        await heartbeat.stop();
        if (otherRolesStarted) await l2Role?.stop();
        await reconciler.stop();
        await servedState?.flush();
        await dataPlane.stop();
        await statusServer.close();
        await metricsServer?.close();
        await controlPlane.close();
      })();
      return closing;
    },
  };
}

/** Serves the crash-restart snapshot; a failure only costs the head start (the full sync serves anyway). */
async function restoreSnapshot(config: AgentConfig, reconciler: Reconciler, logger: Logger): Promise<void> {
  try {
    await restoreInto(reconciler, config.stateDir, logger);
  } catch (error) {
    logger.warn({ event: 'agent.restore_failed', err: error }, 'served state not restored');
  }
}
