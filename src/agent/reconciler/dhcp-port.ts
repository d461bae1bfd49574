import type { AgentRpc } from './agent-rpc.js';
import { NetworkState, type StateRules } from './network-state.js';
import { withPort } from './network-view.js';

/** Who asks the server for the agent's DHCP port. */
export interface DhcpPortRequester {
  readonly rpc: AgentRpc;
  readonly host: string;
  readonly rules: StateRules;
}

/**
 * The state with this agent's DHCP port on every DHCP-enabled subnet (spec §4.14): as it is when the
 * port is complete, else with the port `dhcp.ensure_port` created or completed; undefined when the server
 * says the network is gone or no longer bound here.
 */
export async function ensureDhcpPort(
  state: NetworkState,
  requester: DhcpPortRequester,
): Promise<NetworkState | undefined> {
  const { network, dhcpPort } = state;
  const subnetIds = network.subnets.filter((subnet) => subnet.enable_dhcp).map((subnet) => subnet.id);
  const complete =
    dhcpPort !== undefined &&
    subnetIds.every((id) => dhcpPort.fixed_ips.some((fixed) => fixed.subnet_id === id));
  if (complete) return state;
  const { port } = await requester.rpc.call('dhcp.ensure_port', {
    host: requester.host,
    networkId: network.id,
    deviceId: requester.rules.dhcpDeviceId(network.id),
    subnetIds,
  });
  return port === null
    ? undefined
    : NetworkState.of(withPort(network, port), state.revision, requester.rules);
}
