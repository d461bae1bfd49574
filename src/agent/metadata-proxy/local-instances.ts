import type { NetworkPeer } from '../drivers/driver.js';
import type { AgentPort } from '../model.js';
import type { NetworkState } from '../reconciler/network-state.js';
import { onlyMatch } from './caller-scope.js';

/** The instance behind a metadata request, as Nova's headers name it. */
export interface LocalIdentity {
  readonly instanceId: string;
  readonly projectId: string;
}

/**
 * The callers of the metadata proxy found in the ports the agent already holds, with no server call — what
 * Neutron's metadata agent asks neutron-server for (`get_ports` by network and fixed IP): the one port of
 * the network with that address gives the instance (`device_id`) and its project. A peer of the DHCP
 * driver placed before the metadata proxy, so it sees every snapshot the reconciler hands out; a snapshot
 * is immutable, so keeping it costs nothing and its address index is built once, when first asked.
 */
export class LocalInstances implements NetworkPeer {
  readonly name = 'metadata-identity';
  private readonly states = new Map<string, NetworkState>();
  private readonly indexes = new WeakMap<NetworkState, ReadonlyMap<string, AgentPort | null>>();

  async apply(state: NetworkState): Promise<void> {
    this.states.set(state.id, state);
  }

  async remove(networkId: string): Promise<void> {
    this.states.delete(networkId);
  }

  status(): undefined {
    return undefined;
  }

  async stop(): Promise<void> {
    this.states.clear();
  }

  /**
   * The instance holding `ipAddress` on the network, or null: no such port, two ports with it (Neutron
   * answers 404 unless exactly one matches), or a port that belongs to no instance or project.
   */
  identify(networkId: string, ipAddress: string): LocalIdentity | null {
    const state = this.states.get(networkId);
    if (state === undefined) return null;
    const port = this.indexOf(state).get(ipAddress);
    const projectId = port?.project_id ?? port?.tenant_id ?? '';
    if (!port?.device_id || projectId === '') return null;
    return { instanceId: port.device_id, projectId };
  }

  /**
   * The address a link-local caller stands for: the fixed IP (IPv4 first, as EC2's `local-ipv4`) of the
   * one port with `mac` on the scope's networks, or undefined (no such port, or several).
   */
  addressOfMac(networkIds: readonly string[], mac: string): string | undefined {
    const wanted = mac.toLowerCase();
    const ports = networkIds.flatMap(
      (networkId) =>
        this.states
          .get(networkId)
          ?.network.ports.filter((port) => port.mac_address.toLowerCase() === wanted) ?? [],
    );
    const [port] = ports;
    if (port === undefined || ports.length > 1) return undefined;
    const addresses = port.fixed_ips.map((fixed) => fixed.ip_address);
    return addresses.find((address) => !address.includes(':')) ?? addresses[0];
  }

  /** `ipv6_address_mode` of a subnet of a network this agent serves (undefined: not one of them). */
  ipv6AddressModeOf(subnetId: string): string | null | undefined {
    for (const state of this.states.values()) {
      const subnet = state.network.subnets.find((candidate) => candidate.id === subnetId);
      if (subnet !== undefined) return subnet.ipv6_address_mode ?? null;
    }
    return undefined;
  }

  /** {@link identify} over a caller scope's networks (a router's): the one match among them, or null. */
  identifyAmong(networkIds: readonly string[], ipAddress: string): LocalIdentity | null {
    return onlyMatch(networkIds.map((networkId) => this.identify(networkId, ipAddress)));
  }

  private indexOf(state: NetworkState): ReadonlyMap<string, AgentPort | null> {
    let index = this.indexes.get(state);
    if (index === undefined) {
      const built = new Map<string, AgentPort | null>();
      for (const port of state.network.ports) {
        for (const { ip_address: address } of port.fixed_ips) {
          built.set(address, built.has(address) ? null : port);
        }
      }
      index = built;
      this.indexes.set(state, index);
    }
    return index;
  }
}
