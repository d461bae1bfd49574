/**
 * The contract between the L2 role of `qdhcp agent` (src/agent/l2/) and the control plane: the role of
 * Neutron's `get_device_details` / `update_device_up|down` (the L2 agent's plugin RPC), carried by the same
 * request/reply as the DHCP contract (`dhcp-agent-rpc.ts`) and validated on both sides the same way.
 *
 * History of `qdhcp.l2-agent` methods:
 * - v1 (initial): l2.get_port_by_device, l2.port_bound.
 * - v1, compatible addition: `l2.port_bound` answers `bound` (false: the port is bound to another host,
 *   nothing changed; the role asks again on its next re-read); the port carries its optional
 *   `binding:host_id` and `status` (a role whose wired port is bound elsewhere, or not ACTIVE after a
 *   move through the API and back, reports again).
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AgentNetwork } from './dhcp-agent-rpc.js';
import { Id, PortResource } from './resources.js';

const Host = Type.String({ minLength: 1, maxLength: 255 });

/**
 * A device name as Nova and libvirt give it: `tap` + the port id's first 11 characters (8 hex digits, a
 * dash, 2 hex digits). Nothing else is looked up, so a name cannot widen the server's query.
 */
export const TAP_DEVICE_PATTERN = '^tap[0-9a-f]{8}-[0-9a-f]{2}$';

/** A port as the L2 role reads it: what it wires and protects. Unknown fields are allowed and ignored. */
export const L2Port = Type.Composite([
  Type.Pick(PortResource, [
    'id',
    'network_id',
    'mac_address',
    'fixed_ips',
    'allowed_address_pairs',
    'port_security_enabled',
    'device_owner',
    'admin_state_up',
    'binding:host_id',
  ]),
  // Optional so an older server's answer still validates.
  Type.Partial(Type.Pick(PortResource, ['status'])),
]);
export type L2Port = Static<typeof L2Port>;

/**
 * The port behind a tap device and its network (without ports: the L2 role needs the provider attributes,
 * the MTU and, for VXLAN, the flooding peers); both null when no port of the id prefix exists (or several
 * do: an ambiguous prefix is not wired).
 */
export const GetPortByDeviceParams = Type.Object({
  host: Host,
  device: Type.String({ pattern: TAP_DEVICE_PATTERN }),
});
export const GetPortByDeviceResult = Type.Object({
  port: Type.Union([L2Port, Type.Null()]),
  network: Type.Union([AgentNetwork, Type.Null()]),
});

/**
 * The tap of `port_id` is wired and protected on `host` (`up`: binding:host_id = host, binding:vif_type
 * `bridge`), or it went away (`up` false: the port goes DOWN; the binding stays, as Neutron's
 * `update_device_down` leaves it to Nova to unbind).
 */
export const PortBoundParams = Type.Object({ host: Host, port_id: Id, up: Type.Boolean() });
export const PortBoundResult = Type.Object({
  /**
   * Whether the report took effect; false when the port is bound to another host (`binding:host_id` moved
   * through the API, Neutron's "Device … not bound to the agent host"). Absent from older servers: taken.
   */
  bound: Type.Optional(Type.Boolean()),
});

/** Every method: its name, params schema and result schema. */
export const L2_AGENT_METHODS = {
  'l2.get_port_by_device': { params: GetPortByDeviceParams, result: GetPortByDeviceResult },
  'l2.port_bound': { params: PortBoundParams, result: PortBoundResult },
} as const satisfies Record<string, { params: TSchema; result: TSchema }>;

export type L2AgentMethod = keyof typeof L2_AGENT_METHODS;
export type L2MethodParams<M extends L2AgentMethod> = Static<(typeof L2_AGENT_METHODS)[M]['params']>;
export type L2MethodResult<M extends L2AgentMethod> = Static<(typeof L2_AGENT_METHODS)[M]['result']>;
