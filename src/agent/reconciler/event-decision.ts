import { Value } from '@sinclair/typebox/value';
import { AgentBindingEventV1, agentPortOf, AgentPort as WirePort } from '../../bus/dhcp-agent-rpc.js';
import { ResourceEventV1 } from '../../bus/messages.js';
import type { AgentPort } from '../model.js';

/** A message from the bus, validated: a resource event, a binding event, or something to drop. */
export type BusMessage =
  | { readonly kind: 'resource'; readonly event: ResourceEventV1 }
  | { readonly kind: 'binding'; readonly event: AgentBindingEventV1 }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Validates what the bus delivered (events are parsed at the edge, never trusted). */
export function parseBusMessage(message: unknown): BusMessage {
  if (Value.Check(ResourceEventV1, message)) return { kind: 'resource', event: message };
  if (Value.Check(AgentBindingEventV1, message)) return { kind: 'binding', event: message };
  const schema = (message as { schema?: unknown } | null)?.schema;
  return { kind: 'invalid', reason: `not a known message (schema ${JSON.stringify(schema)})` };
}

/** What to do with one resource event of a network the agent serves (pure; spec §4.4–4.6). */
export type EventDecision =
  | { readonly kind: 'drop'; readonly reason: 'stale' }
  | { readonly kind: 'resync'; readonly reason: string }
  | { readonly kind: 'port-upsert'; readonly port: AgentPort }
  | { readonly kind: 'port-delete'; readonly portId: string }
  | { readonly kind: 'network-deleted' };

/**
 * Compares the event's `networkRevision` with the revision the agent has applied: `≤` applied is stale and
 * dropped (Neutron's `is_port_message_stale`, by network revision here); more than one ahead is a gap,
 * so the network is resynced; exactly the next one is applied. Port changes go through the driver's
 * incremental path; subnet and network changes converge the network from a fresh `dhcp.get_network`
 * (their effect reaches the plumbing and every option line, and a new subnet needs a DHCP port address).
 */
export function decideEvent(event: ResourceEventV1, appliedRevision: number): EventDecision {
  if (event.networkRevision <= appliedRevision) return { kind: 'drop', reason: 'stale' };
  // Deletion is final: whatever was missed before it no longer matters (and a resync could not tell a
  // deleted network from an unbound one, whose bridge must stay).
  if (event.resource === 'network' && event.action === 'deleted') return { kind: 'network-deleted' };
  if (event.networkRevision > appliedRevision + 1) {
    return {
      kind: 'resync',
      reason: `revision gap (applied ${appliedRevision}, event ${event.networkRevision})`,
    };
  }
  switch (event.resource) {
    case 'network':
      return event.action === 'deleted'
        ? { kind: 'network-deleted' }
        : { kind: 'resync', reason: `network ${event.action}` };
    case 'subnet':
      return { kind: 'resync', reason: `subnet ${event.action}` };
    case 'port': {
      if (event.action === 'deleted') return { kind: 'port-delete', portId: event.id };
      // A port the agent cannot read is not skipped silently: the snapshot will have it right.
      if (!Value.Check(WirePort, event.state)) return { kind: 'resync', reason: 'unreadable port in event' };
      // Only the contract's fields are kept: the event carries the whole API view (issue 17).
      return { kind: 'port-upsert', port: agentPortOf(event.state) };
    }
  }
}
