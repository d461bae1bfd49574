/**
 * The contract between the L3 role of an agent and the control plane (issue 13; the role of Neutron's
 * `L3RpcCallback.sync_routers` and of the `l3_agent.HOST` casts), carried by the bus like the DHCP contract
 * (`dhcp-agent-rpc.ts`), with its own method names and event schema.
 *
 * A router travels as {@link L3Router}: `src/agent/router/router-spec.ts`'s `RouterSpec` as JSON (the
 * agent's `router-reconciler.ts` checks the two types against each other at compile time). Events say
 * "router R of host H changed, now at revision N" (or was unbound/deleted): the agent fetches the router
 * with `l3.sync_routers {router_ids: [R]}`, as Neutron's agent does after `routers_updated` — unless the
 * change was a floating IP's alone, which the event carries (`floatingIps`) so that an agent holding the
 * revision before applies it without the round trip (issue 13's associate → first packet target).
 *
 * History of `qdhcp.l3-agent` methods:
 * - v1 (initial): agent.report_role_state, l3.sync_routers; event qdhcp.router-event v1.
 * - v1, compatible: a port address may carry its subnet's `ipv6RaMode` and `dnsNameservers` (issue 15).
 * - v1, compatible addition: the event's optional `floatingIps` (an agent that does not know it fetches).
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Id } from './resources.js';

const Host = Type.String({ minLength: 1, maxLength: 255 });
const Address = Type.String({ minLength: 1, maxLength: 64 });

export const L3RouterPortAddress = Type.Object({
  subnetId: Id,
  ipAddress: Address,
  cidr: Type.String({ minLength: 1, maxLength: 64 }),
  ipVersion: Type.Union([Type.Literal(4), Type.Literal(6)]),
  gatewayIp: Type.Union([Address, Type.Null()]),
  // IPv6 subnets (issue 15): what the router's advertisements say. Optional, so an agent or server of
  // before them still speaks v1: without them the router advertises nothing.
  ipv6RaMode: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
  dnsNameservers: Type.Optional(Type.Array(Address, { maxItems: 64 })),
});

export const L3RouterPort = Type.Object({
  portId: Id,
  networkId: Id,
  macAddress: Type.String({ minLength: 1, maxLength: 32 }),
  mtu: Type.Integer({ minimum: 0 }),
  addresses: Type.Array(L3RouterPortAddress),
  // The network's provider segment, so the agent puts the port's tap on the bridge the DHCP side would use
  // (an operator's mapped bridge, a VLAN or VXLAN uplink). Optional: a port without it goes on `brq<net>`.
  provider: Type.Optional(
    Type.Object({
      networkType: Type.String({ minLength: 1, maxLength: 64 }),
      physicalNetwork: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
      segmentationId: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    }),
  ),
});

export const L3FloatingIp = Type.Object({
  id: Id,
  floatingIpAddress: Address,
  fixedIpAddress: Address,
  portId: Id,
});

export const L3ExtraRoute = Type.Object({ destination: Type.String(), nexthop: Address });

/** A router as the L3 role serves it (`RouterSpec`). */
export const L3Router = Type.Object({
  id: Id,
  projectId: Type.String(),
  adminStateUp: Type.Boolean(),
  gateway: Type.Union([
    Type.Composite([L3RouterPort, Type.Object({ enableSnat: Type.Boolean() })]),
    Type.Null(),
  ]),
  interfaces: Type.Array(L3RouterPort),
  floatingIps: Type.Array(L3FloatingIp),
  routes: Type.Array(L3ExtraRoute),
  revision: Type.Integer({ minimum: 0 }),
});
export type L3Router = Static<typeof L3Router>;

/**
 * The routers bound to `host` (all of them, or only those of `router_ids` that are), each with everything
 * the data plane needs. A router asked for by id that is missing from the answer is not (or no longer)
 * this host's: the agent removes it.
 */
export const SyncRoutersParams = Type.Object({
  host: Host,
  router_ids: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
});
export const SyncRoutersResult = Type.Object({ routers: Type.Array(L3Router) });

/**
 * The heartbeat of an agent's other roles (one Neutron agent per role under the host, like the DHCP role's
 * `agent.report_state`): `L3 agent` (binary `neutron-l3-agent`, topic `l3_agent`) and `Linux bridge agent`
 * (binary `neutron-linuxbridge-agent`, topic `N/A`), with Neutron-like `configurations` shown as given.
 */
export const ReportRoleStateParams = Type.Object({
  host: Host,
  agentType: Type.Union([Type.Literal('L3 agent'), Type.Literal('Linux bridge agent')]),
  availabilityZone: Type.String(),
  startFlag: Type.Boolean(),
  configurations: Type.Record(Type.String(), Type.Unknown()),
});
export type ReportRoleStateParams = Static<typeof ReportRoleStateParams>;
export const ReportRoleStateResult = Type.Object({
  agentId: Id,
  status: Type.Union([Type.Literal('new'), Type.Literal('alive'), Type.Literal('revived')]),
});

/** Every method of the L3 contract. */
export const L3_AGENT_METHODS = {
  'agent.report_role_state': { params: ReportRoleStateParams, result: ReportRoleStateResult },
  'l3.sync_routers': { params: SyncRoutersParams, result: SyncRoutersResult },
} as const satisfies Record<string, { params: TSchema; result: TSchema }>;

export type L3AgentMethod = keyof typeof L3_AGENT_METHODS;
export type L3MethodParams<M extends L3AgentMethod> = Static<(typeof L3_AGENT_METHODS)[M]['params']>;
export type L3MethodResult<M extends L3AgentMethod> = Static<(typeof L3_AGENT_METHODS)[M]['result']>;

/**
 * A change of floating IPs only, from the router at `baseRevision` to the event's revision: the floating IPs
 * of ids in `removed` are no longer the router's, those in `upserted` are (now) mapped as given. Applied by an
 * agent whose router is at exactly `baseRevision`; any other agent fetches the router.
 */
export const RouterFloatingIpChange = Type.Object({
  baseRevision: Type.Integer({ minimum: 0 }),
  removed: Type.Array(Id, { maxItems: 1000 }),
  upserted: Type.Array(L3FloatingIp, { maxItems: 1000 }),
});
export type RouterFloatingIpChange = Static<typeof RouterFloatingIpChange>;

/**
 * A router of `host` changed (`updated`: created, updated, interface added or removed, a floating IP
 * changed, or newly bound to the host), or is no longer the host's (`unbound`: moved elsewhere or
 * deleted). `revision` is the router's L3 revision after the change (grows by at least one per change):
 * an agent that has applied a revision ≥ it drops the event.
 */
export const RouterEventV1 = Type.Object({
  schema: Type.Literal('qdhcp.router-event'),
  version: Type.Literal(1),
  host: Host,
  routerId: Id,
  action: Type.Union([Type.Literal('updated'), Type.Literal('unbound')]),
  revision: Type.Integer({ minimum: 0 }),
  occurredAt: Type.String(),
  /** Present when only floating IPs changed (`updated` only). */
  floatingIps: Type.Optional(RouterFloatingIpChange),
});
export type RouterEventV1 = Static<typeof RouterEventV1>;
