/**
 * neutron-server's casts to DHCP agents (`neutron/api/rpc/agentnotifiers/dhcp_rpc_agent_api.py`), validated,
 * and what each one means to qdhcp's reconciler: the same messages qdhcp's own server publishes
 * (`qdhcp.resource-event`, `qdhcp.agent-binding`), so one reconciler serves both control planes.
 *
 * Ordering (docs/neutron-agent.md): Neutron has no per-network revision covering ports. The control plane
 * numbers what it receives per network ({@link NetworkCounters}): every translated message gets the next
 * number, and a snapshot (`get_network_info`, `get_active_networks_info`) carries the number current when
 * its call was *sent* — a cast received before that was committed before the call was made, so the
 * snapshot includes it; a cast received after it is applied on top. Within that, a port update older than
 * the port held (`revision_number`) is dropped by the reconciler (Neutron's `is_port_message_stale`), and a
 * port recently deleted is not brought back by a late create/update ({@link DeletedPorts}, Neutron's
 * `_deleted_ports`).
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AgentBindingEventV1 } from '../bus/dhcp-agent-rpc.js';
import { type ResourceAction, type ResourceEventV1, resourceEvent } from '../bus/messages.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Each notification's payload, as far as the agent reads it (other fields are kept and ignored). */
const PAYLOADS = {
  network_create_end: Type.Object({ network: Type.Object({ id: Id }) }),
  network_update_end: Type.Object({ network: Type.Object({ id: Id }) }),
  network_delete_end: Type.Object({ network_id: Id }),
  subnet_create_end: Type.Object({ subnet: Type.Object({ id: Id, network_id: Id }) }),
  subnet_update_end: Type.Object({ subnet: Type.Object({ id: Id, network_id: Id }) }),
  subnet_delete_end: Type.Object({ subnet_id: Id, network_id: Id }),
  port_create_end: Type.Object({
    port: Type.Object({ id: Id, network_id: Id }, { additionalProperties: true }),
  }),
  port_update_end: Type.Object({
    port: Type.Object({ id: Id, network_id: Id }, { additionalProperties: true }),
  }),
  port_delete_end: Type.Object({ port_id: Id, network_id: Id }),
  agent_updated: Type.Object({ admin_state_up: Type.Boolean() }),
} as const satisfies Record<string, TSchema>;

type Method = keyof typeof PAYLOADS;

/** What a notification asks of the agent. */
export type Translation =
  | { readonly kind: 'message'; readonly networkId: string; readonly message: (revision: number) => unknown }
  | { readonly kind: 'resync'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function isMethod(method: string): method is Method {
  return Object.hasOwn(PAYLOADS, method);
}

function event(
  resource: ResourceEventV1['resource'],
  action: ResourceAction,
  id: string,
  networkId: string,
  state: Record<string, unknown>,
): Translation {
  return {
    kind: 'message',
    networkId,
    message: (revision) =>
      resourceEvent({ resource, action, id, networkId, networkRevision: revision, state }),
  };
}

function binding(host: string, networkId: string, action: AgentBindingEventV1['action']): Translation {
  const message: AgentBindingEventV1 = {
    schema: 'qdhcp.agent-binding',
    version: 1,
    host,
    networkId,
    action,
    occurredAt: new Date().toISOString(),
  };
  return { kind: 'message', networkId, message: () => message };
}

/**
 * One cast from neutron-server → what the reconciler gets. `network_create_end` (also what the scheduler
 * sends when it binds a network here) and `network_delete_end` (also sent when it unbinds one) become
 * binding events, as Neutron's agent enables or disables DHCP for the network on them; a network update
 * re-reads the network (admin state); subnet changes re-read the network; port changes are applied as
 * they are; `agent_updated` (admin state of this agent) resyncs everything.
 */
export function translateCast(
  host: string,
  method: string,
  args: Readonly<Record<string, unknown>>,
): Translation {
  if (!isMethod(method)) return { kind: 'ignored', reason: `no handler for ${method}` };
  const payload = args.payload;
  const schema: TSchema = PAYLOADS[method];
  if (!Value.Check(schema, payload)) {
    const first = Value.Errors(schema, payload).First();
    return { kind: 'invalid', reason: `${method}: ${first?.path || '/'} ${first?.message ?? '?'}` };
  }
  const body = payload as Static<(typeof PAYLOADS)[typeof method]>;
  switch (method) {
    case 'network_create_end': {
      const { network } = body as Static<(typeof PAYLOADS)['network_create_end']>;
      return binding(host, network.id, 'bound');
    }
    case 'network_update_end': {
      const { network } = body as Static<(typeof PAYLOADS)['network_update_end']>;
      return event('network', 'updated', network.id, network.id, network);
    }
    case 'network_delete_end': {
      const { network_id } = body as Static<(typeof PAYLOADS)['network_delete_end']>;
      return binding(host, network_id, 'unbound');
    }
    case 'subnet_create_end':
    case 'subnet_update_end': {
      const { subnet } = body as Static<(typeof PAYLOADS)['subnet_create_end']>;
      const action = method === 'subnet_create_end' ? 'created' : 'updated';
      return event('subnet', action, subnet.id, subnet.network_id, subnet);
    }
    case 'subnet_delete_end': {
      const { subnet_id, network_id } = body as Static<(typeof PAYLOADS)['subnet_delete_end']>;
      return event('subnet', 'deleted', subnet_id, network_id, {});
    }
    case 'port_create_end':
    case 'port_update_end': {
      const { port } = body as Static<(typeof PAYLOADS)['port_create_end']>;
      const action = method === 'port_create_end' ? 'created' : 'updated';
      return event('port', action, port.id, port.network_id, port);
    }
    case 'port_delete_end': {
      const { port_id, network_id } = body as Static<(typeof PAYLOADS)['port_delete_end']>;
      return event('port', 'deleted', port_id, network_id, {});
    }
    case 'agent_updated': {
      const { admin_state_up } = body as Static<(typeof PAYLOADS)['agent_updated']>;
      return { kind: 'resync', reason: `agent updated by the server (admin_state_up ${admin_state_up})` };
    }
  }
}

/**
 * Per-network message counters: the stand-in for the network revision Neutron does not have. They start at
 * a base taken from the clock (µs since the epoch), so a later process numbers above an earlier one: a
 * network restored from the served-state snapshot an earlier process wrote (src/agent/served-state/) holds
 * that process's numbers, and with counters from 0 every event after a restart looked stale and was
 * dropped (the e2e's dnsmasq run served no new port). The startup sync then always re-applies a restored
 * network, as its number is never confirmed. Safe while a network averages under 1,000 messages per ms.
 */
export class NetworkCounters {
  private readonly counters = new Map<string, number>();

  constructor(private readonly base = Date.now() * 1000) {}

  /** The number the next message of `networkId` gets (and takes it). */
  next(networkId: string): number {
    const value = this.current(networkId) + 1;
    this.counters.set(networkId, value);
    return value;
  }

  /** The number of the last message of `networkId` (the base: none): what a snapshot requested now includes. */
  current(networkId: string): number {
    return this.counters.get(networkId) ?? this.base;
  }

  /** Every network's current number, read when a full-sync call is sent. */
  all(): (networkId: string) => number {
    const copy = new Map(this.counters);
    return (networkId) => copy.get(networkId) ?? this.base;
  }
}

/**
 * Ports deleted lately: a create or update of one that arrives after its delete is stale (Neutron keeps
 * them a day, `DELETED_PORT_MAX_AGE`). Bounded: the oldest go first beyond `capacity`.
 */
export class DeletedPorts {
  private readonly deleted = new Map<string, number>();

  constructor(
    private readonly maxAgeMs = 86_400_000,
    private readonly capacity = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  add(portId: string): void {
    this.deleted.delete(portId);
    this.deleted.set(portId, this.clock());
    if (this.deleted.size > this.capacity) {
      const oldest = this.deleted.keys().next().value;
      if (oldest !== undefined) this.deleted.delete(oldest);
    }
  }

  has(portId: string): boolean {
    const at = this.deleted.get(portId);
    if (at === undefined) return false;
    if (this.clock() - at <= this.maxAgeMs) return true;
    this.deleted.delete(portId);
    return false;
  }
}
