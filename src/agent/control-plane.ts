/**
 * The one interface through which the agent reaches its control plane (issue 16): the calls of
 * `bus/dhcp-agent-rpc.ts` (report state, active networks, one network, ensure/release the DHCP port,
 * ports ready, the metadata instance lookup), the messages the reconciler applies (resource and binding
 * events), and "resync everything" requests (the transport reconnected, the server changed this agent).
 *
 * Two implementations: qdhcp's own bus ({@link busControlPlane}) and Neutron's agent RPC over
 * oslo.messaging (`src/neutron/neutron-control-plane.ts`). Both pass one contract suite
 * (`src/agent/testing/control-plane-contract.ts`).
 *
 * @module
 */
import type { Bus, BusStats, Unsubscribe } from '../bus/bus.js';
import { createL2Rpc, type L2Rpc } from './l2/l2-rpc.js';
import { createSecurityGroupRpc, type SecurityGroupRpc } from './l2/security-group-client.js';
import { type AgentRpc, createAgentRpc } from './reconciler/agent-rpc.js';

export interface AgentControlPlane {
  /** `qdhcp` (our server over the bus) or `neutron` (neutron-server over oslo.messaging). */
  readonly kind: 'qdhcp' | 'neutron';
  /** The calls, their results validated against the contract's schemas. */
  readonly rpc: AgentRpc;
  /**
   * The L2 contract's calls (src/bus/l2-agent-rpc.ts); absent where the control plane has none (a
   * neutron-server: its own L2 agent wires taps there), and then the agent's L2 role does not start.
   */
  readonly l2Rpc?: L2Rpc;
  /** The security group contract (src/bus/security-group-rpc.ts); absent: the L2 role enforces no groups. */
  readonly securityGroupRpc?: SecurityGroupRpc;
  /**
   * Delivers what the control plane tells this host: messages for `Reconciler.handleMessage`
   * (`qdhcp.resource-event`, `qdhcp.agent-binding`), in the order received.
   */
  subscribe(host: string, handler: (message: unknown) => void): Unsubscribe;
  /** Called when everything must be read again: messages may have been lost, or bindings moved. */
  onResync(listener: (reason: string) => void): Unsubscribe;
  stats(): BusStats;
  close(): Promise<void>;
}

/** qdhcp's own control plane: the bus's request/reply and events (the bus is closed by its owner). */
export function busControlPlane(bus: Bus, options: { readonly timeoutMs?: number } = {}): AgentControlPlane {
  return {
    kind: 'qdhcp',
    rpc: createAgentRpc(bus, options),
    l2Rpc: createL2Rpc(bus, options),
    securityGroupRpc: createSecurityGroupRpc(bus, options),
    subscribe: (host, handler) => bus.subscribe((event) => handler(event), { host }),
    onResync: (listener) => bus.onReconnect(() => listener('message bus reconnected')),
    stats: () => bus.stats(),
    close: async () => undefined,
  };
}
