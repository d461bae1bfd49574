/**
 * The composition root of the control plane: opens the database, creates the bus, the services and
 * the HTTP API, and wires them. The only place that builds these objects.
 *
 * @module
 */
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.js';
import { addressedBus } from '../bus/addressing.js';
import { type Bus, createInProcessBus, eventLogFields, type ResourceEvent } from '../bus/index.js';
import { owingResyncs } from '../bus/resync-request.js';
import type { ServerConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import { agentsRepository, type Database, describeDatabaseUrl, openDatabase } from '../db/index.js';
import { ensureStateDir } from '../linux/state-dir.js';
import { createAddressScopeService } from '../service/address-scope-service.js';
import { createDhcpRpcService } from '../service/agent-dhcp-rpc.js';
import { networksServed } from '../service/agent-drain.js';
import { createL2RpcService } from '../service/agent-l2-rpc.js';
import {
  createLivenessCheck,
  livenessIntervalMs,
  type PeriodicTask,
  scheduleIfNeeded,
  schedulingTrigger,
  startPeriodic,
} from '../service/agent-liveness.js';
import {
  serveDhcpAgentContract,
  serveL2AgentContract,
  serveL3AgentContract,
} from '../service/agent-rpc-server.js';
import { type AgentService, createAgentService } from '../service/agent-service.js';
import { AllocationCache } from '../service/allocation-cache.js';
import type { Clock } from '../service/clock.js';
import { createFloatingIpService } from '../service/floating-ip-service.js';
import { createInstanceService } from '../service/instance-service.js';
import { createL3AgentService } from '../service/l3-agent-service.js';
import { getMetadataInstance } from '../service/metadata-identity.js';
import { createNetworkService } from '../service/network-service.js';
import { createPortService } from '../service/port-service.js';
import { createRouterInterfaces } from '../service/router-interfaces.js';
import { syncRouters } from '../service/router-l3-sync.js';
import { moveRoutersOfDeadAgents } from '../service/router-scheduler.js';
import { createRouterService } from '../service/router-service.js';
import { serveSecurityGroupContract } from '../service/security-group-rpc.js';
import { createSecurityGroupRuleService } from '../service/security-group-rule-service.js';
import { createSecurityGroupService } from '../service/security-group-service.js';
import { createSubnetPoolService } from '../service/subnet-pool-service.js';
import { createSubnetService } from '../service/subnet-service.js';

/** A built control plane. `close()` may be called more than once. */
export interface ControlPlane {
  readonly config: ServerConfig;
  readonly api: FastifyInstance;
  readonly database: Database;
  readonly bus: Bus;
  readonly agents: AgentService;
  /** One dead-agent check now (the periodic task runs the same). */
  checkAgents(): Promise<{ moved: number; skipped: boolean }>;
  /**
   * Starts the periodic dead-agent check (spec §4.13) unless `allow_automatic_dhcp_failover` is off;
   * idempotent; `close()` stops it. `startServer` calls it once listening.
   */
  startLivenessCheck(): void;
  /** Resolves when scheduling triggered by events published so far has finished (tests). */
  schedulingIdle(): Promise<void>;
  close(): Promise<void>;
}

/** The hosts of the DHCP agents a network is bound to (none when unscheduled). */
async function hostsOfNetwork(database: Database, networkId: string): Promise<string[]> {
  const bindings = await agentsRepository.bindingsOfNetwork(database.db, networkId);
  if (bindings.length === 0) return [];
  const agents = await agentsRepository.listByIds(
    database.db,
    bindings.map((binding) => binding.agentId),
  );
  return agents.map((agent) => agent.host);
}

/** Builds (does not listen) the control plane from its configuration. */
export async function buildControlPlane(
  config: ServerConfig,
  options: { logger?: Logger; bus?: Bus; clock?: Clock } = {},
): Promise<ControlPlane> {
  const target = describeDatabaseUrl(config.databaseUrl, config.stateDir);
  // The SQLite file's directory (the state dir by default): a clear start-up error when unusable.
  if (target.kind === 'sqlite' && target.path !== ':memory:') ensureStateDir(dirname(target.path));
  const database = await openDatabase(config.databaseUrl, config.stateDir);
  const logger = options.logger;
  const processBus =
    options.bus ??
    createInProcessBus({
      onHandlerError: (error, event) =>
        logger?.error({ err: error, ...eventLogFields(event) }, 'bus subscriber failed'),
    });
  // A publish the transport refused is followed by a fan-out "resync" once it takes publishes again.
  const owing = owingResyncs(processBus, {
    origin: `${hostname()}:${process.pid}`,
    ...(logger && { logger }),
  });
  // Events go to the agents hosting their network (spec §4.11), looked up after the commit.
  const bus = addressedBus(
    owing,
    (networkId) => hostsOfNetwork(database, networkId),
    (error) => logger?.warn({ err: error }, 'event addressing failed: sent to every agent'),
  );
  const deps = {
    database,
    bus,
    config,
    clock: options.clock ?? (() => new Date()),
    onPublishError: (error: unknown, event: ResourceEvent) =>
      logger?.error({ err: error, resource: event.resource, id: event.id }, 'event not published'),
  };
  const agents = createAgentService(deps);
  const l3Agents = createL3AgentService(deps);
  // One allocation cache for the port use-cases and `dhcp.ports_ready` (a port going ACTIVE keeps it valid).
  const allocationCache = new AllocationCache();
  const dhcpRpc = createDhcpRpcService({ ...deps, allocationCache });
  const l2Rpc = createL2RpcService(deps);
  const ports = createPortService({ ...deps, allocationCache });
  const quotas = {
    securityGroup: config.quotaSecurityGroup,
    securityGroupRule: config.quotaSecurityGroupRule,
  };
  const api = buildApi({
    config,
    networks: createNetworkService(deps),
    subnets: createSubnetService(deps),
    ports,
    subnetPools: createSubnetPoolService(deps),
    addressScopes: createAddressScopeService(deps),
    agents,
    l3Agents,
    instances: createInstanceService({ ...deps, ports }),
    routers: createRouterService({ ...deps, ports }),
    routerInterfaces: createRouterInterfaces({ ...deps, ports }),
    floatingIps: createFloatingIpService({ ...deps, ports }),
    securityGroups: createSecurityGroupService({ ...deps, quotas }),
    securityGroupRules: createSecurityGroupRuleService({ ...deps, quotas }),
    ...(logger && { logger }),
  });
  // Scheduling after a committed change, outside the API's transaction (Neutron does it in the
  // notifier, after the commit too). Tracked so tests and close() can wait for it.
  const pending = new Set<Promise<void>>();
  const unsubscribeScheduling = bus.subscribe((event) => {
    const networkId = schedulingTrigger(event);
    if (networkId === undefined) return;
    const run = scheduleIfNeeded(deps, networkId)
      .catch((error: unknown) => logger?.error({ err: error, networkId }, 'scheduling failed'))
      .finally(() => pending.delete(run));
    pending.add(run);
  });
  const schedulingIdle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  const checkNetworks = createLivenessCheck(deps);
  // Routers of dead L3 agents move on the same tick (issue 13); the report counts networks only.
  const checkAgents = async () => {
    const report = await checkNetworks();
    await moveRoutersOfDeadAgents(deps);
    return report;
  };
  let liveness: PeriodicTask | undefined;
  const startLivenessCheck = () => {
    if (liveness !== undefined || !config.allowAutomaticDhcpFailover) return;
    liveness = startPeriodic(checkAgents, livenessIntervalMs(config), (error) =>
      logger?.error({ err: error }, 'dead DHCP agent check failed'),
    );
  };
  const served = [
    ...serveDhcpAgentContract(bus, {
      'agent.report_state': (params) => agents.reportState(params),
      'dhcp.get_active_networks': (params) => dhcpRpc.getActiveNetworks(params),
      'dhcp.get_network': (params) => dhcpRpc.getNetwork(params),
      'dhcp.ensure_port': (params) => dhcpRpc.ensurePort(params),
      'dhcp.release_port': (params) => dhcpRpc.releasePort(params),
      'dhcp.ports_ready': (params) => dhcpRpc.portsReady(params),
      'dhcp.networks_served': (params) => networksServed(deps, params),
      'metadata.get_instance': (params) => getMetadataInstance(database, config.dnsDomain, params),
    }),
    ...serveL2AgentContract(bus, {
      'l2.get_port_by_device': (params) => l2Rpc.getPortByDevice(params),
      'l2.port_bound': (params) => l2Rpc.portBound(params),
    }),
    ...serveL3AgentContract(bus, {
      'agent.report_role_state': (params) => l3Agents.reportRoleState(params),
      'l3.sync_routers': (params) => syncRouters(deps, params),
    }),
    ...serveSecurityGroupContract(bus, database),
    unsubscribeScheduling,
  ];
  let closing: Promise<void> | undefined;
  return {
    config,
    api,
    database,
    bus,
    agents,
    checkAgents,
    startLivenessCheck,
    schedulingIdle,
    close() {
      closing ??= (async () => {
        await api.close();
        await liveness?.stop();
        for (const unserve of served) unserve();
        await schedulingIdle();
        // A bus handed in belongs to the process (other components may still use it).
        owing.stopOwing();
        if (options.bus === undefined) await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/**
 * Builds the control plane on the process's bus and listens on `config.bind`; resolves once
 * listening. Closing it leaves the bus to its owner.
 */
export async function startServer(
  context: {
    readonly config: ServerConfig;
    readonly logger: Logger;
    readonly bus: Bus;
  },
  options: {
    /** Adds routes before the API listens (all-in-one: the agent's families on `/metrics`). */
    readonly beforeListen?: (api: FastifyInstance) => void;
  } = {},
): Promise<ControlPlane> {
  const { config, logger } = context;
  const plane = await buildControlPlane(config, { logger, bus: context.bus });
  let address: string;
  try {
    options.beforeListen?.(plane.api);
    // The agents' calls are consumed before the server says it is up.
    await plane.bus.flush();
    address = await plane.api.listen({ host: config.bind.host, port: config.bind.port });
  } catch (error) {
    await plane.close();
    throw error;
  }
  plane.startLivenessCheck();
  logger.info({ address, database: plane.database.kind }, 'qdhcp server listening');
  return plane;
}
