import type { NetworkView, PortView } from '../../bus/dhcp-agent-rpc.js';
import type { Ipv6Mode, Network, Port, Subnet } from '../model.js';

const IPV6_MODES: ReadonlySet<string> = new Set(['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']);

function ipv6Mode(value: string | null | undefined): Ipv6Mode | null {
  return value !== null && value !== undefined && IPV6_MODES.has(value) ? (value as Ipv6Mode) : null;
}

/** A contract port (already schema-checked) as the agent's model port. */
export function portFromView(view: PortView): Port {
  return view;
}

/**
 * A contract network (already schema-checked) as the agent's model, with `revision` kept apart: the
 * data plane never sees the counter, the reconciler does.
 */
export function networkFromView(view: NetworkView): { network: Network; revision: number } {
  const { revision, subnets, ports, ...rest } = view;
  const modelSubnets: Subnet[] = subnets.map((subnet) => ({
    ...subnet,
    ipv6_address_mode: ipv6Mode(subnet.ipv6_address_mode),
    ipv6_ra_mode: ipv6Mode(subnet.ipv6_ra_mode),
  }));
  return { network: { ...rest, subnets: modelSubnets, ports: ports.map(portFromView) }, revision };
}

/** The network with `port` added or replaced (by id); cached models are never mutated (STYLE 7.2 #7). */
export function withPort(network: Network, port: Port): Network {
  const others = network.ports.filter((existing) => existing.id !== port.id);
  return { ...network, ports: [...others, port] };
}

/** The network without the port `portId`. */
export function withoutPort(network: Network, portId: string): Network {
  return { ...network, ports: network.ports.filter((port) => port.id !== portId) };
}

/**
 * A network model that takes port events in O(1): ports by id, the `Network` (with its port array) built
 * only when something asks for it, then kept until the next change. At 10,000 ports, copying the port
 * array for every event (withPort) was a large part of each event's cost and of the garbage the process
 * makes while ports churn. Only its owner changes it; a `Network` it handed out is never changed.
 */
export class LiveNetwork {
  private readonly ports = new Map<string, Port>();
  private built: Network | undefined;

  constructor(private readonly base: Network) {
    for (const port of base.ports) this.ports.set(port.id, port);
    this.built = base;
  }

  get portCount(): number {
    return this.ports.size;
  }

  get subnetCount(): number {
    return this.base.subnets.length;
  }

  port(portId: string): Port | undefined {
    return this.ports.get(portId);
  }

  upsert(port: Port): void {
    this.ports.set(port.id, port);
    this.built = undefined;
  }

  remove(portId: string): void {
    if (this.ports.delete(portId)) this.built = undefined;
  }

  /** The model as it stands (O(ports) after a change, then the same object until the next one). */
  get network(): Network {
    this.built ??= { ...this.base, ports: [...this.ports.values()] };
    return this.built;
  }
}
