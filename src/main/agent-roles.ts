/**
 * The agent's roles beside DHCP (issue 13): the L3 role (a `RouterReconciler` on a `RouterDataPlane` with
 * its own heartbeat as `L3 agent`) and the L2 role (its heartbeat as `Linux bridge agent` and `L2Role`, when
 * qdhcp wires L2 itself). Loaded and built by `startAgent` once its restore is done and the control plane
 * is up, only for roles that are on (`agent_roles`) and on qdhcp's control plane;
 * the L3 role also needs a data plane handed in (the Linux one is wired by the composition root that owns
 * it): without one it is not started and the agent says so, since a reported `L3 agent` that cannot serve
 * would be given routers.
 *
 * @module
 */
import type { AgentControlPlane } from '../agent/control-plane.js';
import { L2Role } from '../agent/l2/l2-role.js';
import type { RouterMetadata } from '../agent/metadata-proxy/router-metadata.js';
import { routerNamespaceName } from '../agent/naming.js';
import type { PlumbingSettings } from '../agent/plumbing-settings.js';
import { AdvertisingRouterDataPlane } from '../agent/router/advertising-router-data-plane.js';
import type { L3Rpc } from '../agent/router/l3-rpc.js';
import { LinuxRouterDataPlane } from '../agent/router/linux-router-data-plane.js';
import { MetadataRouterDataPlane } from '../agent/router/metadata-router-data-plane.js';
import { routerPortBridge } from '../agent/router/router-bridges.js';
import { RouterReconciler, type RouterReport } from '../agent/router/router-reconciler.js';
import type { RouterDataPlane } from '../agent/router/router-spec.js';
import type { AgentConfig } from '../agent/runtime/agent-config.js';
import { Heartbeat } from '../agent/runtime/heartbeat.js';
import type { Logger } from '../common/logger.js';
import { openIcmp6InNamespace } from '../linux/namespace-icmp6.js';

/** What the roles need from the composition root (qdhcp's control plane only). */
export interface RoleDeps {
  /** The L3 contract's client (`createL3Rpc` over the process's bus): role heartbeats, router sync. */
  readonly rpc: L3Rpc;
  /** The Linux side of the L3 role; absent: the L3 role is not started. */
  readonly routerDataPlane?: RouterDataPlane | undefined;
}

/** The running extra roles of one agent. */
export interface RunningRoles {
  /** Hands a bus message to the roles; true when one of them took it (a router event). */
  handleMessage(message: unknown): boolean;
  /** A full resync of every role (reconnect, revived). */
  resync(reason: string): void;
  routers(): readonly RouterReport[];
  close(): Promise<void>;
}

/**
 * The L3 role's data plane: the one handed in (tests), else, when the role is on and qdhcp's control plane
 * drives it, routers on Linux with metadata in each router namespace on the agent's one proxy and IPv6
 * router advertisements on their interfaces from the agent's one sender.
 */
export function routerDataPlaneOf(
  config: AgentConfig,
  roles: RoleDeps | undefined,
  plumbing: PlumbingSettings,
  metadata: RouterMetadata,
  logger: Logger,
): RouterDataPlane | undefined {
  if (roles?.routerDataPlane !== undefined) return roles.routerDataPlane;
  if (roles === undefined || !config.roles.has('l3') || config.rpc === 'neutron') return undefined;
  const linux = new LinuxRouterDataPlane({
    namespacePrefix: plumbing.namespacePrefix,
    hostNamespace: plumbing.hostNamespace,
    bridgeFor: (port) => routerPortBridge(port, plumbing),
    logger: logger.child({ component: 'routers' }),
  });
  const namespaceOf = (routerId: string) => routerNamespaceName(routerId, plumbing.namespacePrefix);
  return new AdvertisingRouterDataPlane(new MetadataRouterDataPlane(linux, metadata, namespaceOf, logger), {
    namespaceOf,
    open: openIcmp6InNamespace,
    logger,
  });
}

function isRouterEvent(message: unknown): boolean {
  return (message as { schema?: unknown } | null)?.schema === 'qdhcp.router-event';
}

/**
 * Starts the roles that are on, in the background as the DHCP role starts (the server may still be
 * starting): the first L3 heartbeat registers the agent, then the startup router sync runs.
 */
export function startRoles(
  config: AgentConfig,
  deps: { readonly logger: Logger; readonly roles?: RoleDeps | undefined },
): RunningRoles {
  const logger = deps.logger.child({ component: 'roles' });
  const heartbeats: Heartbeat[] = [];
  let routers: RouterReconciler | undefined;
  // Neutron mode (src/neutron/) has no L3 or L2 role: neutron-server schedules to its own agents.
  const roleDeps = config.rpc === 'neutron' ? undefined : deps.roles;
  const dataPlane = roleDeps?.routerDataPlane;
  if (config.roles.has('l3') && roleDeps !== undefined && dataPlane === undefined)
    logger.warn(
      { event: 'agent.l3_not_started' },
      'L3 role not started: no router data plane in this process',
    );
  if (config.roles.has('l3') && roleDeps !== undefined && dataPlane !== undefined) {
    const { rpc } = roleDeps;
    const reconciler = new RouterReconciler({ host: config.host, rpc, dataPlane, logger });
    routers = reconciler;
    heartbeats.push(
      new Heartbeat(
        (startFlag) =>
          rpc.call('agent.report_role_state', {
            host: config.host,
            agentType: 'L3 agent',
            availabilityZone: config.availabilityZone,
            startFlag,
            // Neutron's L3 agent reports these (neutron/agent/l3/agent.py `L3NATAgentWithStateReport`).
            configurations: {
              agent_mode: 'legacy',
              routers: reconciler.report().filter((r) => r.installed).length,
              handle_internal_only_routers: true,
              interface_driver: 'qdhcp',
              log_agent_heartbeats: false,
            },
          }),
        config.reportIntervalSeconds * 1000,
        (reason) => void reconciler.fullSync(reason),
        logger,
      ),
    );
  }
  if (config.roles.has('l2') && roleDeps !== undefined && config.l2Owner === 'qdhcp') {
    const { rpc } = roleDeps;
    heartbeats.push(
      new Heartbeat(
        (startFlag) =>
          rpc.call('agent.report_role_state', {
            host: config.host,
            agentType: 'Linux bridge agent',
            availabilityZone: config.availabilityZone,
            startFlag,
            // As neutron-linuxbridge-agent shows them (shared/reference transcript 14); with VXLAN its
            // underlay address, which makes this host a flooding peer (src/service/tunnel-peers.ts).
            configurations: {
              bridge_mappings: {},
              interface_mappings: Object.fromEntries(config.physicalInterfaceMappings),
              extensions: [],
              ...(config.localIp !== undefined && {
                tunneling_ip: config.localIp,
                tunnel_types: ['vxlan'],
                l2_population: false,
              }),
            },
          }),
        config.reportIntervalSeconds * 1000,
        () => undefined,
        logger,
      ),
    );
  }
  void Promise.all(heartbeats.map((h) => h.start())).then(() => routers?.fullSync('startup'));
  return {
    handleMessage(message) {
      if (!isRouterEvent(message)) return false;
      if (routers !== undefined) void routers.handleMessage(message);
      return true;
    },
    resync(reason) {
      void routers?.fullSync(reason);
    },
    routers: () => routers?.report() ?? [],
    async close() {
      await Promise.all(heartbeats.map((h) => h.stop()));
      await routers?.stop();
      await dataPlane?.close?.();
    },
  };
}

/**
 * The L2 role (docs/compute.md) when `agent_roles` has `l2`, the control plane serves the L2 contract
 * (qdhcp's servers; beside a neutron-server its L2 agent wires taps) and qdhcp owns L2 on the host.
 */
export function l2RoleOf(
  config: AgentConfig,
  controlPlane: AgentControlPlane,
  plumbing: PlumbingSettings,
  logger: Logger,
): L2Role | undefined {
  if (!config.roles.has('l2') || controlPlane.l2Rpc === undefined || plumbing.l2Owner !== 'qdhcp')
    return undefined;
  return new L2Role({
    host: config.host,
    rpc: controlPlane.l2Rpc,
    ...(config.enableSecurityGroup && controlPlane.securityGroupRpc !== undefined
      ? { securityGroups: controlPlane.securityGroupRpc }
      : {}),
    plumbing,
    logger: logger.child({ role: 'l2' }),
  });
}
