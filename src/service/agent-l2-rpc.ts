/**
 * The server side of the L2 agent contract (`src/bus/l2-agent-rpc.ts`): the port behind a tap device
 * (Neutron's `get_device_details`, which also finds a port by its id's prefix: `tap` + 11 characters) and
 * the binding an L2 role reports once the tap is wired (`update_device_up`/`down`).
 *
 * @module
 */
import type { AgentNetwork } from '../bus/dhcp-agent-rpc.js';
import type { L2MethodParams, L2MethodResult, L2Port } from '../bus/l2-agent-rpc.js';
import { isQdhcpError } from '../common/errors.js';
import { type PortRecord, portsRepository, provisioningRepository } from '../db/index.js';
import { formatTimestamp } from './clock.js';
import { provisionedStatus } from './provisioning-blocks.js';
import type { SchedulerDeps } from './scheduler.js';
import { readNetworkState } from './sync-service.js';
import { liveTunnelIps, peersOf } from './tunnel-peers.js';
import { runMutation } from './unit-of-work.js';
import { portView } from './views.js';

/** `binding:vif_type` of a port an L2 role wired into a Linux bridge (Neutron's linuxbridge value). */
export const BRIDGE_VIF_TYPE = 'bridge';

/** Server side of the L2 contract. */
export function createL2RpcService(deps: SchedulerDeps) {
  const { database, config, clock } = deps;

  /** The network without its ports, with the asking host's VXLAN flooding peers. */
  async function networkFor(networkId: string, host: string): Promise<AgentNetwork | null> {
    try {
      // Without its ports: the L2 role asks per tap (and per scan), and reading a 1,000-port network's
      // ports for each answer held the server's loop ~10 ms a time, ~1 s per scan of 100 taps.
      const state = await readNetworkState(database, config, networkId, { withPorts: false });
      const vxlan = state.network['provider:network_type'] === 'vxlan';
      const peers = vxlan ? peersOf(await liveTunnelIps(database.db, config, clock()), host) : [];
      return {
        ...state.network,
        revision: state.networkRevision,
        ...(vxlan && { vxlan_peers: peers }),
        subnets: state.subnets,
        ports: [],
      };
    } catch (error) {
      if (isQdhcpError(error) && error.code === 'NETWORK_NOT_FOUND') return null;
      throw error;
    }
  }

  return {
    async getPortByDevice(
      params: L2MethodParams<'l2.get_port_by_device'>,
    ): Promise<L2MethodResult<'l2.get_port_by_device'>> {
      const matches = await portsRepository.listByIdPrefix(database.db, params.device.slice('tap'.length));
      const [record] = matches;
      if (record === undefined || matches.length > 1) return { port: null, network: null };
      const network = await networkFor(record.networkId, params.host);
      if (network === null) return { port: null, network: null };
      const view = portView(record, config.dnsDomain, true);
      const port: L2Port = {
        id: view.id,
        network_id: view.network_id,
        mac_address: view.mac_address,
        fixed_ips: view.fixed_ips,
        allowed_address_pairs: view.allowed_address_pairs,
        port_security_enabled: view.port_security_enabled,
        device_owner: view.device_owner,
        admin_state_up: view.admin_state_up,
        'binding:host_id': record.bindingHostId,
        status: record.status,
      };
      return { port, network };
    },

    /**
     * Up: `binding:host_id` = the host, `binding:vif_type` = `bridge`, the port's L2 block lifted (ACTIVE
     * when no other block is left: src/service/provisioning-blocks.ts). Down (from the bound host): the L2
     * block back, status DOWN, binding kept (Neutron's `update_device_down`; Nova unbinds). Up or down
     * from a host the port is not bound to (its `binding:host_id` moved through the API: the new host's
     * report is awaited, src/service/provisioning-blocks.ts `rebindIfMoved`), or for an unknown port:
     * nothing, answered `bound: false` (ML2's "Device … not bound to the agent host"). Nothing is written
     * when nothing changes.
     */
    async portBound(params: L2MethodParams<'l2.port_bound'>): Promise<L2MethodResult<'l2.port_bound'>> {
      return runMutation(deps, async (scope) => {
        const port = await portsRepository.get(scope.tx, params.port_id);
        if (port === undefined) return { bound: false };
        const elsewhere = port.bindingHostId !== '' && port.bindingHostId !== params.host;
        if (elsewhere || (!params.up && port.bindingHostId !== params.host)) return { bound: false };
        if (params.up) await provisioningRepository.markReady(scope.tx, port.id, 'l2');
        else await provisioningRepository.clearReady(scope.tx, port.id, 'l2');
        const bound = params.up
          ? { ...port, bindingHostId: params.host, bindingVifType: BRIDGE_VIF_TYPE }
          : port;
        const next: PortRecord = {
          ...bound,
          status: params.up ? await provisionedStatus(scope.tx, bound) : 'DOWN',
        };
        const unchanged =
          next.status === port.status &&
          next.bindingHostId === port.bindingHostId &&
          next.bindingVifType === port.bindingVifType;
        if (unchanged) return { bound: true };
        await scope.lockNetwork(port.networkId);
        const updated: PortRecord = {
          ...next,
          updatedAt: formatTimestamp(clock()),
          revisionNumber: port.revisionNumber + 1,
        };
        await portsRepository.update(scope.tx, updated);
        await scope.emit(
          'port',
          'updated',
          port.id,
          port.networkId,
          portView(updated, config.dnsDomain, true),
        );
        return { bound: true };
      });
    },
  };
}
