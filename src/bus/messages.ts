/**
 * The versioned message contract between the control plane and its subscribers (DHCP agents, later
 * over AMQP). Every message carries `schema` and `version`; consumers must accept every version listed
 * in the history below and ignore fields they do not know.
 *
 * History of `qdhcp.resource-event`:
 * - v1 (initial): resource, action, id, networkId, networkRevision, state, occurredAt.
 *
 * Over AMQP the same JSON travels as the message body; a request's answer is a `qdhcp.reply` v1
 * ({@link BusReply}). Every receiver validates what it gets and drops (logs, counts) what fails.
 *
 * History of the bus's event union ({@link BusEvent}):
 * - resource events v1 only (initial);
 * - plus `qdhcp.agent-binding` v1 (`dhcp-agent-rpc.ts`), published by the DHCP scheduler. Resource
 *   events are unchanged.
 * - plus `qdhcp.router-event` v1 (`l3-agent-rpc.ts`), addressed to the host of the router (issue 13). A
 *   DHCP-only subscriber ignores it.
 * - plus `qdhcp.security-group-event` v1 (`security-group-rpc.ts`), sent to every agent (issue 14). Only
 *   the L2 role reads it.
 * - plus `qdhcp.resync-request` v1 (`resync-request.ts`), a fan-out from a server that could not publish
 *   an event: every agent resyncs as after its own reconnect.
 *
 * @module
 */
import { type Static, Type } from '@sinclair/typebox';
import { WireErrorParams } from './bus-error.js';
import { AgentBindingEventV1 } from './dhcp-agent-rpc.js';
import { RouterEventV1 } from './l3-agent-rpc.js';
import { ResyncRequestV1 } from './resync-request.js';
import { SecurityGroupEventV1 } from './security-group-rpc.js';

/** The resources whose changes are published. */
export const ResourceKind = Type.Union([
  Type.Literal('network'),
  Type.Literal('subnet'),
  Type.Literal('port'),
]);
export type ResourceKind = Static<typeof ResourceKind>;

/** What happened to the resource. */
export const ResourceAction = Type.Union([
  Type.Literal('created'),
  Type.Literal('updated'),
  Type.Literal('deleted'),
]);
export type ResourceAction = Static<typeof ResourceAction>;

/**
 * A committed change of one network, subnet or port (v1). `state` is the resource exactly as the API
 * shows it to an admin (after the change; for `deleted`, the last state). `networkRevision` is the
 * network's change counter after this change: consecutive events of one network differ by one, so a
 * subscriber that sees a gap knows it missed something and resyncs that network.
 */
export const ResourceEventV1 = Type.Object({
  schema: Type.Literal('qdhcp.resource-event'),
  version: Type.Literal(1),
  resource: ResourceKind,
  action: ResourceAction,
  id: Type.String(),
  networkId: Type.String(),
  networkRevision: Type.Integer({ minimum: 0 }),
  state: Type.Record(Type.String(), Type.Unknown()),
  occurredAt: Type.String(),
});
export type ResourceEventV1 = Static<typeof ResourceEventV1>;

/** Every resource event version a subscriber may receive. */
export type ResourceEvent = ResourceEventV1;

/** Everything the bus carries to subscribers: resource, DHCP agent binding, router and security group events, resync requests. */
export type BusEvent =
  | ResourceEvent
  | AgentBindingEventV1
  | RouterEventV1
  | SecurityGroupEventV1
  | ResyncRequestV1;

/** The schema of {@link BusEvent}: what a transport checks every received event against. */
export const BusEventSchema = Type.Union([
  ResourceEventV1,
  AgentBindingEventV1,
  RouterEventV1,
  SecurityGroupEventV1,
  ResyncRequestV1,
]);

/**
 * A request from an agent to the server (request/reply), e.g. "give me network X" during a resync.
 * Method names are a closed set per contract version; the server registers one handler per method.
 */
export const BusRequest = Type.Object({
  schema: Type.Literal('qdhcp.request'),
  version: Type.Literal(1),
  method: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
});
export type BusRequest = Static<typeof BusRequest>;

/**
 * The answer to a {@link BusRequest} over a transport that serialises (AMQP): the handler's result, or
 * its error — the message in `error`, the catalog code in `code` and the template parameters in `params`
 * (`bus-error.ts` turns them back into the same `QdhcpError`).
 *
 * History: v1 (initial: `error` only); v1 plus `code` and `params` on failures — added fields, which older
 * receivers ignore; a failure without `code` (from an older sender) is received as `BUS_HANDLER_FAILED`.
 */
export const BusReply = Type.Union([
  Type.Object({
    schema: Type.Literal('qdhcp.reply'),
    version: Type.Literal(1),
    ok: Type.Literal(true),
    result: Type.Unknown(),
  }),
  Type.Object({
    schema: Type.Literal('qdhcp.reply'),
    version: Type.Literal(1),
    ok: Type.Literal(false),
    error: Type.String(),
    code: Type.Optional(Type.String()),
    params: Type.Optional(WireErrorParams),
  }),
]);
export type BusReply = Static<typeof BusReply>;

/** Builds a v1 resource event. */
export function resourceEvent(
  fields: Omit<ResourceEventV1, 'schema' | 'version' | 'occurredAt'>,
  now: Date = new Date(),
): ResourceEventV1 {
  return { schema: 'qdhcp.resource-event', version: 1, ...fields, occurredAt: now.toISOString() };
}

/** What names an event in a log line: its schema and its network, or its router (router events). */
export function eventLogFields(event: BusEvent): Record<string, string> {
  if (event.schema === 'qdhcp.router-event') return { schema: event.schema, routerId: event.routerId };
  if (event.schema === 'qdhcp.security-group-event')
    return { schema: event.schema, securityGroupIds: event.securityGroupIds.join(',') };
  if (event.schema === 'qdhcp.resync-request') return { schema: event.schema, origin: event.origin };
  return { schema: event.schema, networkId: event.networkId };
}
