/**
 * The server side of the DHCP agent contract's data methods (`src/bus/dhcp-agent-rpc.ts`, spec §4.10):
 * the networks an agent hosts (auto-scheduling unhosted ones first), one network, the agent's DHCP port
 * (create / adopt a reserved one / update, in one transaction, spec §4.14), its release, and port
 * readiness (spec §1.9).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  type AgentNetwork,
  agentPortOf,
  type MethodParams,
  type MethodResult,
} from '../bus/dhcp-agent-rpc.js';
import { isQdhcpError } from '../common/errors.js';
import {
  type AgentRecord,
  agentsRepository,
  type FixedIp,
  networksRepository,
  type PortRecord,
  portsRepository,
  type Queryable,
  subnetsRepository,
} from '../db/index.js';
import { isAutoAddressSubnet } from '../ipam/subnet-rules.js';
import { RESERVED_DHCP_PORT } from './agent-service.js';
import type { AllocationCache } from './allocation-cache.js';
import { formatTimestamp } from './clock.js';
import { freeMac } from './free-mac.js';
import { allocateFixedIps } from './port-allocation.js';
import { loadAllocations, removeAddresses } from './port-mutation.js';
import {
  DHCP_AGENT_TYPE,
  freeIndexes,
  hasNetworkAccess,
  isAlive,
  runSchedulingMutation,
  type SchedulerDeps,
} from './scheduler.js';
import { markDhcpReady, type NetworkState, readNetworkState } from './sync-service.js';
import { liveTunnelIps, peersOf } from './tunnel-peers.js';
import { portView } from './views.js';

/** The contract's network view of a snapshot; a vxlan network carries the asking host's flooding peers. */
function contractNetwork(state: NetworkState, peers: () => string[]): AgentNetwork {
  const vxlan = state.network['provider:network_type'] === 'vxlan';
  return {
    ...state.network,
    revision: state.networkRevision,
    ...(vxlan && { vxlan_peers: peers() }),
    subnets: state.subnets,
    // The contract's fields only: an agent keeps what it is given, per port (issue 17).
    ports: state.ports.map(agentPortOf),
  };
}

/** Server side of the contract's data methods. */
export function createDhcpRpcService(
  deps: SchedulerDeps & {
    /** The port use-cases' allocation cache: a status-only change keeps it valid (sync-service.ts). */
    readonly allocationCache?: AllocationCache;
  },
) {
  const { database, config, clock } = deps;

  const agentOf = (db: Queryable, host: string): Promise<AgentRecord | undefined> =>
    agentsRepository.getByTypeAndHost(db, DHCP_AGENT_TYPE, host);

  async function boundTo(db: Queryable, host: string, networkId: string): Promise<boolean> {
    const agent = await agentOf(db, host);
    if (!agent) return false;
    const bindings = await agentsRepository.bindingsOfNetwork(db, networkId);
    return bindings.some((b) => b.agentId === agent.id);
  }

  /** The snapshot for `host`, or null when the network is gone. */
  async function snapshot(
    networkId: string,
    tunnelIps: ReadonlyMap<string, string>,
    host: string,
  ): Promise<AgentNetwork | null> {
    try {
      const state = await readNetworkState(database, config, networkId);
      return contractNetwork(state, () => peersOf(tunnelIps, host));
    } catch (error) {
      if (isQdhcpError(error) && error.code === 'NETWORK_NOT_FOUND') return null;
      throw error;
    }
  }

  /**
   * Binds under-hosted DHCP networks this agent can plug to it, one transaction each (spec §4.12
   * auto-schedule).
   */
  async function autoSchedule(agent: AgentRecord): Promise<void> {
    const wanted = config.dhcpAgentsPerNetwork;
    const ids = await agentsRepository.underHostedNetworkIds(database.db, wanted, agent.id);
    for (const networkId of ids) {
      // Only networks this agent can plug (its physnets): read first, so others cost no transaction.
      const network = await networksRepository.get(database.db, networkId);
      if (!network || !hasNetworkAccess(agent, network)) continue;
      await runSchedulingMutation(deps, async (scope, changes) => {
        try {
          await scope.lockNetwork(networkId);
        } catch {
          return; // deleted meanwhile
        }
        const bindings = await agentsRepository.bindingsOfNetwork(scope.tx, networkId);
        const hosting = bindings.filter((b) => !b.draining).length; // a draining one is on its way out
        if (hosting >= wanted || bindings.some((b) => b.agentId === agent.id)) return;
        const [index] = freeIndexes(
          bindings.map((b) => b.bindingIndex),
          1,
        );
        await agentsRepository.insertBinding(scope.tx, {
          networkId,
          agentId: agent.id,
          bindingIndex: index!,
        });
        changes.push({ host: agent.host, networkId, action: 'bound' });
      });
    }
  }

  /**
   * The DHCP port's addresses: kept ones on the wanted subnets, the lowest free pool address on the
   * others (DHCP ports prefer the next address, spec §3.4); addresses on other subnets are dropped.
   */
  async function dhcpAddresses(
    tx: Queryable,
    networkId: string,
    port: PortRecord | undefined,
    wantedSubnetIds: readonly string[],
    macAddress: string,
  ): Promise<FixedIp[]> {
    const subnets = await subnetsRepository.listByNetwork(tx, networkId);
    const wanted = wantedSubnetIds.filter((id) => subnets.some((s) => s.id === id));
    const existing = port?.fixedIps ?? [];
    const requested = wanted.map((subnetId) => {
      const kept = existing.find((ip) => ip.subnetId === subnetId);
      // An automatic (SLAAC, stateless) address cannot be named in a request (Neutron refuses it too):
      // the port's EUI-64 address there is kept by allocateFixedIps from `existing`.
      const auto = subnets.some((s) => s.id === subnetId && isAutoAddressSubnet(s));
      return kept && !auto ? { subnet_id: subnetId, ip_address: kept.ipAddress } : { subnet_id: subnetId };
    });
    const allocated = loadAllocations(
      await portsRepository.allocatedBySubnet(
        tx,
        subnets.map((s) => s.id),
      ),
    );
    removeAddresses(allocated, existing);
    return allocateFixedIps(
      {
        networkId,
        subnets,
        allocated,
        deviceOwner: 'network:dhcp',
        macAddress,
        random: Math.random,
      },
      requested,
      existing,
    );
  }

  return {
    async getActiveNetworks(
      params: MethodParams<'dhcp.get_active_networks'>,
    ): Promise<MethodResult<'dhcp.get_active_networks'>> {
      const agent = await agentOf(database.db, params.host);
      if (!agent) return { networks: [] };
      // An admin-down agent gets nothing new but keeps what it is bound to (draining, agent-drain.ts).
      if (config.networkAutoSchedule && agent.adminStateUp && isAlive(agent, clock(), config.agentDownTime)) {
        await autoSchedule(agent);
      }
      const networks: AgentNetwork[] = [];
      const tunnelIps = await liveTunnelIps(database.db, config, clock());
      for (const id of await agentsRepository.networkIdsOfAgent(database.db, agent.id)) {
        const network = await snapshot(id, tunnelIps, params.host);
        if (network?.admin_state_up) networks.push(network);
      }
      return { networks };
    },

    async getNetwork(params: MethodParams<'dhcp.get_network'>): Promise<MethodResult<'dhcp.get_network'>> {
      if (!(await boundTo(database.db, params.host, params.networkId))) return { network: null };
      const tunnelIps = await liveTunnelIps(database.db, config, clock());
      return { network: await snapshot(params.networkId, tunnelIps, params.host) };
    },

    /**
     * The agent's DHCP port on the network: its own (by device id), else a reserved one adopted with
     * its addresses, else a new one. Null when the network is gone or not bound to the host (a late
     * call from an agent the network was moved away from must not take the new agent's port).
     */
    async ensurePort(params: MethodParams<'dhcp.ensure_port'>): Promise<MethodResult<'dhcp.ensure_port'>> {
      return runSchedulingMutation(deps, async (scope) => {
        const { host, networkId, deviceId, subnetIds } = params;
        try {
          await scope.lockNetwork(networkId);
        } catch {
          return { port: null };
        }
        if (!(await boundTo(scope.tx, host, networkId))) return { port: null };
        const ports = await portsRepository.list(scope.tx, {
          equals: { network_id: [networkId], device_id: [deviceId, RESERVED_DHCP_PORT] },
        });
        const current =
          ports.find((p) => p.deviceId === deviceId) ??
          ports.find((p) => p.deviceId === RESERVED_DHCP_PORT && p.deviceOwner === 'network:dhcp');
        const now = formatTimestamp(clock());
        const mac = current?.macAddress ?? (await freeMac(scope.tx, networkId, config.baseMac));
        const fixedIps = await dhcpAddresses(scope.tx, networkId, current, subnetIds, mac);
        if (current) {
          const unchanged =
            current.deviceId === deviceId &&
            current.bindingHostId === host &&
            current.deviceOwner === 'network:dhcp' &&
            current.status === 'ACTIVE' &&
            JSON.stringify(current.fixedIps) === JSON.stringify(fixedIps);
          if (unchanged) return { port: portView(current, config.dnsDomain, true) };
          const updated: PortRecord = {
            ...current,
            deviceId,
            deviceOwner: 'network:dhcp',
            bindingHostId: host,
            status: 'ACTIVE',
            fixedIps,
            updatedAt: now,
            revisionNumber: current.revisionNumber + 1,
          };
          await portsRepository.update(scope.tx, updated);
          await portsRepository.replaceFixedIps(scope.tx, updated);
          const view = portView(updated, config.dnsDomain, true);
          await scope.emit('port', 'updated', updated.id, networkId, view);
          return { port: view };
        }
        const network = (await networksRepository.get(scope.tx, networkId))!;
        const record: PortRecord = {
          id: randomUUID(),
          networkId,
          projectId: network.projectId,
          name: '',
          description: '',
          adminStateUp: true,
          macAddress: mac,
          deviceId,
          deviceOwner: 'network:dhcp',
          // The agent asking for its port is the one plugging it (there is no L2 agent to report it, and
          // agents report only the ports they serve): the DHCP port is ACTIVE as soon as it is the agent's.
          status: 'ACTIVE',
          bindingHostId: host,
          bindingVnicType: 'normal',
          bindingProfile: {},
          bindingVifType: 'unbound',
          dnsName: '',
          dnsDomain: '',
          portSecurityEnabled: false,
          extraDhcpOpts: [],
          allowedAddressPairs: [],
          ipAllocation: 'immediate',
          tags: [],
          fixedIps,
          // A network:* port: Neutron puts it in no security group.
          securityGroups: [],
          createdAt: now,
          updatedAt: now,
          revisionNumber: 1,
        };
        await portsRepository.insert(scope.tx, record);
        const view = portView(record, config.dnsDomain, true);
        await scope.emit('port', 'created', record.id, networkId, view);
        return { port: view };
      });
    },

    /** Deletes every port with the device id on the network (spec §4.10 `release_dhcp_port`). */
    async releasePort(params: MethodParams<'dhcp.release_port'>): Promise<MethodResult<'dhcp.release_port'>> {
      await runSchedulingMutation(deps, async (scope) => {
        try {
          await scope.lockNetwork(params.networkId);
        } catch {
          return;
        }
        const ports = await portsRepository.list(scope.tx, {
          equals: { network_id: [params.networkId], device_id: [params.deviceId] },
        });
        for (const port of ports) {
          await portsRepository.delete(scope.tx, port.id);
          await scope.emit(
            'port',
            'deleted',
            port.id,
            port.networkId,
            portView(port, config.dnsDomain, true),
          );
        }
      });
      return {};
    },

    /** Ports on networks the host's agent hosts go `DOWN` → `ACTIVE` (spec §1.9). */
    async portsReady(params: MethodParams<'dhcp.ports_ready'>): Promise<MethodResult<'dhcp.ports_ready'>> {
      const agent = await agentOf(database.db, params.host);
      if (!agent) return {};
      const hosted = new Set(await agentsRepository.networkIdsOfAgent(database.db, agent.id));
      await markDhcpReady(deps, params.portIds, (networkId) => hosted.has(networkId));
      return {};
    },
  };
}
