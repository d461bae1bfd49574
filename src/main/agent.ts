/**
 * The composition root of the DHCP agent: builds the driver, the reconciler, heartbeats, the status socket
 * and metrics from the configuration, subscribes to the bus and starts them. The only place that builds
 * these objects; nothing starts before {@link startAgent} is called.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BuiltinDriver } from '../agent/drivers/builtin/builtin-driver.js';
import { BuiltinDnsPeer } from '../agent/drivers/builtin/dns-peer.js';
import { DnsmasqDriver } from '../agent/drivers/dnsmasq/dnsmasq-driver.js';
import type { DhcpDriver, NetworkPeer } from '../agent/drivers/driver.js';
import { type DriverDeps, readHostLinks } from '../agent/drivers/prepare-network.js';
import { createBuiltinBackend, createNovaProxyBackend } from '../agent/metadata-proxy/backends.js';
import { createInstanceLookup } from '../agent/metadata-proxy/instance-lookup.js';
import { MetadataProxyPeer } from '../agent/metadata-proxy/metadata-peer.js';
import { MetadataProxy } from '../agent/metadata-proxy/proxy-server.js';
import { dhcpNamespaceName, dhcpPortDeviceId } from '../agent/naming.js';
import { DEFAULT_PLUMBING_SETTINGS, type PlumbingSettings } from '../agent/plumbing-settings.js';
import { createAgentRpc } from '../agent/reconciler/agent-rpc.js';
import { removeOrphanNamespaces } from '../agent/reconciler/host-orphans.js';
import { NetworkPeers } from '../agent/reconciler/network-peers.js';
import { Reconciler } from '../agent/reconciler/reconciler.js';
import type { AgentConfig } from '../agent/runtime/agent-config.js';
import { Heartbeat } from '../agent/runtime/heartbeat.js';
import { AgentMetrics } from '../agent/runtime/metrics.js';
import { serveMetrics } from '../agent/runtime/metrics-server.js';
import { removeNetworkDevices } from '../agent/runtime/network-devices.js';
import { type AgentStatus, serveStatus, statusSocketPath } from '../agent/runtime/status-socket.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpSettings } from '../agent/settings.js';
import type { Bus } from '../bus/bus.js';
import { renderBusMetrics } from '../bus/bus-counters.js';
import type { Logger } from '../common/logger.js';
import { ensureStateDir } from '../linux/state-dir.js';

/** A running agent. `close()` stops serving (namespaces stay for the next start) and may be called twice. */
export interface RunningAgent {
  readonly reconciler: Reconciler;
  /** The DHCP driver and its peers (DNS, metadata proxy). */
  readonly peers: NetworkPeers;
  readonly metrics: AgentMetrics;
  status(): AgentStatus;
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
      localIp: config.localIp,
      ipv6: existsSync('/proc/sys/net/ipv6'),
    },
  };
}

/**
 * Starts the agent on `bus`: subscribes to events, sends the first heartbeat, runs the startup full sync
 * in the background (the server may still be starting; failures retry) and the periodic one.
 */
export async function startAgent(
  config: AgentConfig,
  deps: { readonly bus: Bus; readonly logger: Logger },
): Promise<RunningAgent> {
  const logger = deps.logger.child({ component: 'agent', host: config.host });
  const { dhcp, plumbing } = settingsFrom(config);
  ensureStateDir(config.stateDir);
  const driverDeps: DriverDeps = {
    dhcp,
    plumbing,
    dhcpDeviceId: (networkId) => dhcpPortDeviceId(config.host, networkId),
    logger,
    logDhcp: config.logDhcp,
  };
  const dhcpDriver: DhcpDriver =
    config.driver === 'dnsmasq'
      ? new DnsmasqDriver(driverDeps, { stateDirectory: join(config.stateDir, 'dhcp') })
      : new BuiltinDriver(driverDeps);
  if (config.logDhcp && config.driver !== 'builtin')
    logger.warn({ event: 'agent.log_dhcp_unsupported' }, '--log-dhcp traces the builtin driver only');
  const rpc = createAgentRpc(deps.bus);
  // The metadata proxy is a peer of either driver, as Neutron runs haproxy beside dnsmasq (spec §6).
  const lookup = createInstanceLookup(rpc, { host: config.host });
  const metadataBackend =
    config.metadataBackend === 'nova'
      ? createNovaProxyBackend(lookup, {
          url: config.novaMetadataUrl,
          sharedSecret: config.metadataProxySharedSecret,
        })
      : createBuiltinBackend(lookup);
  const peers: NetworkPeer[] = [];
  // The builtin driver's DNS answers from the agent process; dnsmasq answers DNS itself.
  if (config.driver !== 'dnsmasq' && dhcp.dnsEnabled) peers.push(new BuiltinDnsPeer(driverDeps));
  peers.push(
    new MetadataProxyPeer(new MetadataProxy({ backend: metadataBackend, logger }), {
      namespacePrefix: plumbing.namespacePrefix,
      logger,
    }),
  );
  const dataPlane = new NetworkPeers(dhcpDriver, peers);
  const metrics = new AgentMetrics();
  const reconciler = new Reconciler({
    host: config.host,
    peers: dataPlane,
    dhcp,
    rpc,
    logger,
    dhcpDeviceId: driverDeps.dhcpDeviceId,
    parallelism: config.syncParallelism,
    resyncIntervalMs: config.resyncIntervalSeconds * 1000,
    observer: metrics,
    removeOrphans: async (keep) => {
      const { removed, errors } = await removeOrphanNamespaces(config.namespacePrefix, keep, {
        hostNamespace: plumbing.hostNamespace,
        mappedInterfaces: new Set(plumbing.physicalInterfaceMappings.values()),
        // Neutron's L2 agent owning the bridges (H3's l2_owner) turns this off.
        ownsL2: true,
      });
      for (const error of errors)
        logger.warn({ event: 'agent.orphan_failed', error }, 'leftover not removed');
      return removed;
    },
    removeNetworkDevices: (network) => removeNetworkDevices(network, plumbing),
    readHostLinks: () => readHostLinks(plumbing),
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
    return `${agentText}${renderBusMetrics(deps.bus.stats()).join('\n')}\n`;
  };
  const statusServer = await serveStatus(statusSocketPath(config.stateDir), status);
  const metricsServer =
    config.metricsBind === undefined ? undefined : await serveMetrics(config.metricsBind, renderMetrics);
  const unsubscribe = deps.bus.subscribe(
    (event) => {
      void reconciler.handleMessage(event);
    },
    { host: config.host },
  );
  // Events published while the bus was away never reached this agent: a full resync recovers them.
  const unsubscribeReconnect = deps.bus.onReconnect(
    () => void reconciler.fullSync('message bus reconnected'),
  );
  const heartbeat = new Heartbeat(
    rpc,
    (startFlag) => ({
      host: config.host,
      binary: 'qdhcp-agent',
      agentType: 'DHCP agent',
      availabilityZone: 'nova',
      startFlag,
      configurations: {
        driver: dataPlane.name,
        ...reconciler.totals(),
        ...(config.localIp !== undefined && { tunnelIp: config.localIp }),
        physicalNetworks: [...config.physicalInterfaceMappings.keys()],
      },
    }),
    config.reportIntervalSeconds * 1000,
    (reason) => void reconciler.fullSync(reason),
    logger,
  );
  reconciler.start();
  // The first heartbeat registers the agent, so the server can schedule networks to it before the sync asks.
  void heartbeat.start().then(() => reconciler.fullSync('startup'));
  logger.info(
    {
      event: 'agent.started',
      driver: dataPlane.name,
      metrics: metricsServer?.address,
      prefix: config.namespacePrefix,
    },
    'qdhcp agent started',
  );
  let closing: Promise<void> | undefined;
  return {
    reconciler,
    peers: dataPlane,
    metrics,
    status,
    renderMetrics,
    close() {
      closing ??= (async () => {
        unsubscribe();
        unsubscribeReconnect();
        await heartbeat.stop();
        await reconciler.stop();
        await dataPlane.stop();
        await statusServer.close();
        await metricsServer?.close();
      })();
      return closing;
    },
  };
}
