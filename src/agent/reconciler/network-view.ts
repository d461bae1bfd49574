import type { AgentNetwork as WireNetwork, AgentPort as WirePort } from '../../bus/dhcp-agent-rpc.js';
import type { AgentNetwork, AgentPort, Ipv6Mode, Subnet } from '../model.js';

const IPV6_MODES: ReadonlySet<string> = new Set(['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']);

function ipv6Mode(value: string | null | undefined): Ipv6Mode | null {
  return value !== null && value !== undefined && IPV6_MODES.has(value) ? (value as Ipv6Mode) : null;
}

/** A contract port (already schema-checked) as the agent's model port. */
export function portFromView(view: WirePort): AgentPort {
  return view;
}

/**
 * A contract network (already schema-checked) as the agent's model, with `revision` kept apart: the
 * data plane never sees the counter, the reconciler does.
 */
export function networkFromView(view: WireNetwork): { network: AgentNetwork; revision: number } {
  const { revision, subnets, ports, ...rest } = view;
  const modelSubnets: Subnet[] = subnets.map((subnet) => ({
    ...subnet,
    ipv6_address_mode: ipv6Mode(subnet.ipv6_address_mode),
    ipv6_ra_mode: ipv6Mode(subnet.ipv6_ra_mode),
  }));
  return { network: { ...rest, subnets: modelSubnets, ports: ports.map(portFromView) }, revision };
}

/** The network with `port` added or replaced (by id); cached models are never mutated (STYLE 7.2 #7). */
export function withPort(network: AgentNetwork, port: AgentPort): AgentNetwork {
  const others = network.ports.filter((existing) => existing.id !== port.id);
  return { ...network, ports: [...others, port] };
}
