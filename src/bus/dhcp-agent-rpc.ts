/**
 * The contract between DHCP agents and the control plane (the role of Neutron's `DhcpRpcCallback`, topic
 * `q-plugin`, and of the state reports, spec §4.9–4.10), carried by the bus's request/reply, plus the
 * binding event the server publishes when it schedules a network to an agent or takes it away.
 *
 * Every method's params and result have a schema; both sides validate what they receive. Networks travel
 * as the admin view the API returns (`network` + `subnets` + `ports`), projected from the one definition
 * of each resource (`resources.ts`) to what the agent reads (`AgentNetwork`, `AgentSubnet`, `AgentPort`);
 * unknown fields are allowed and ignored, so the server may add attributes without a version bump.
 *
 * History of `qdhcp.dhcp-agent` methods:
 * - v1 (initial): agent.report_state, dhcp.get_active_networks, dhcp.get_network, dhcp.ensure_port,
 *   dhcp.release_port, dhcp.ports_ready; event qdhcp.agent-binding v1.
 * - v1, added: metadata.get_instance (an agent that does not call it is unaffected).
 * - v1, added: AgentNetwork `vxlan_peers` (optional; an agent that ignores it floods to its configured
 *   remotes only, as before).
 * - v1, added: AgentPort `status` (optional; the agent reports a port ready only while it is not ACTIVE,
 *   an agent that ignores it reports every port, which the server skips as before).
 * - v1, added: metadata.get_instance `context.instance.ec2Id` (optional; an agent that ignores it serves
 *   the instance UUID as the EC2 instance-id, as before).
 * - v1, relaxed: agent.report_state's result `agentId` optional (neutron-server does not return one; no
 *   agent read it).
 * - v1, added: AgentPort `project_id`/`tenant_id` (optional; read by the `nova-local` metadata backend, which
 *   finds the caller in the agent's own ports; an agent that ignores them is unaffected).
 * - v1, added: dhcp.networks_served (issue 17, admin-down is a drain: an agent that never calls it still
 *   serves; an admin-down agent's networks then stay bound to it until another agent's report arrives).
 * - v1, added: metadata.get_instance `context…subnet.ipv6AddressMode` (optional, issue 15: network_data.json's
 *   `ipv6_<mode>` types; without it the agent takes the mode from its own snapshot, else serves `ipv6`).
 * - v1, added: AgentPort `security_groups` (optional, issue 14; for the agent that enforces groups; the
 *   groups themselves come from `security-group-rpc.ts`).
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  DnsAssignment,
  ExtraDhcpOpt,
  HostRoute,
  Id,
  NetworkResource,
  PortResource,
  SubnetResource,
} from './resources.js';

const Uuid = Id;
const Host = Type.String({ minLength: 1, maxLength: 255 });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * The agent projections: the resources of `resources.ts` reduced to what the data plane reads. The server
 * sends the whole admin view; properties not named here are allowed and ignored, so the server may add
 * attributes without a version bump. Properties the agent can do without are optional.
 */

/** An extra option as the agent accepts it: `ip_version` may be absent, null or text (then 4 unless "6"). */
const AgentExtraDhcpOpt = Type.Composite([
  Type.Pick(ExtraDhcpOpt, ['opt_name', 'opt_value']),
  Type.Object({ ip_version: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Null()])) }),
]);

/** A port as the agent reads it (src/agent/model.ts `AgentPort`). */
export const AgentPort = Type.Composite([
  Type.Pick(PortResource, ['id', 'mac_address', 'fixed_ips']),
  Type.Partial(
    Type.Pick(PortResource, [
      'network_id',
      'device_owner',
      'device_id',
      'admin_state_up',
      'revision_number',
      'status',
      // The instance's project, for the metadata proxy that signs to Nova itself (Neutron sends both).
      'project_id',
      'tenant_id',
      // The port's security groups (issue 14), for the agent that enforces them on its host.
      'security_groups',
    ]),
  ),
  // Null is "none" for both lists, as in Neutron's own agent RPC.
  Type.Object({
    extra_dhcp_opts: Type.Optional(Nullable(Type.Array(AgentExtraDhcpOpt))),
    dns_assignment: Type.Optional(Nullable(Type.Array(DnsAssignment))),
  }),
]);
export type AgentPort = Static<typeof AgentPort>;

/**
 * A port view cut down to the contract's fields (the {@link AgentPort} schema's): what an agent keeps per
 * port. Events and snapshots carry the whole API view (name, tags, bindings, timestamps, …); holding that
 * cost an all-in-one ~2 KiB more per port (issue 17: a 60,000-port network). Values are shared, not copied.
 */
export function agentPortOf(port: AgentPort): AgentPort {
  const { id, mac_address, fixed_ips, network_id, device_owner, device_id, admin_state_up } = port;
  const { revision_number, status, extra_dhcp_opts, dns_assignment, project_id, tenant_id } = port;
  const { security_groups } = port;
  return {
    id,
    mac_address,
    fixed_ips,
    ...(network_id !== undefined && { network_id }),
    ...(device_owner !== undefined && { device_owner }),
    ...(device_id !== undefined && { device_id }),
    ...(admin_state_up !== undefined && { admin_state_up }),
    ...(revision_number !== undefined && { revision_number }),
    ...(status !== undefined && { status }),
    ...(extra_dhcp_opts !== undefined && { extra_dhcp_opts }),
    ...(dns_assignment !== undefined && { dns_assignment }),
    ...(project_id !== undefined && { project_id }),
    ...(tenant_id !== undefined && { tenant_id }),
    ...(security_groups !== undefined && { security_groups }),
  };
}

/** A subnet as the agent reads it (src/agent/model.ts `Subnet`). */
export const AgentSubnet = Type.Composite([
  Type.Pick(SubnetResource, [
    'id',
    'ip_version',
    'cidr',
    'gateway_ip',
    'enable_dhcp',
    'dns_nameservers',
    'host_routes',
  ]),
  Type.Partial(Type.Pick(SubnetResource, ['network_id', 'ipv6_address_mode', 'ipv6_ra_mode', 'segment_id'])),
]);
export type AgentSubnet = Static<typeof AgentSubnet>;

/**
 * A network with all its subnets and ports (src/agent/model.ts `AgentNetwork`) and `revision`, the
 * network's change counter at the time of reading: events with `networkRevision` ≤ it are already included.
 */
export const AgentNetwork = Type.Composite([
  Type.Pick(NetworkResource, ['id', 'admin_state_up', 'mtu']),
  Type.Partial(Type.Pick(NetworkResource, ['project_id', 'revision_number'])),
  // Provider attributes are admin-only in the API; the agent is admin, null is "not set".
  Type.Object({
    'provider:network_type': Type.Optional(Nullable(Type.String())),
    'provider:physical_network': Type.Optional(Nullable(Type.String())),
    'provider:segmentation_id': Type.Optional(Nullable(Type.Integer())),
    revision: Type.Integer({ minimum: 0 }),
    /**
     * VXLAN networks: underlay addresses (`tunnelIp`) of the other live agents, where this host's
     * `vxlan-<vni>` floods broadcasts (head-end replication). Absent for other network types.
     */
    vxlan_peers: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 4096 })),
    subnets: Type.Array(AgentSubnet),
    ports: Type.Array(AgentPort),
  }),
]);
export type AgentNetwork = Static<typeof AgentNetwork>;

/** Heartbeat (spec §4.9). The answer tells a restarted or revived agent to resync everything. */
export const ReportStateParams = Type.Object({
  host: Host,
  binary: Type.Literal('qdhcp-agent'),
  agentType: Type.Literal('DHCP agent'),
  availabilityZone: Type.String(),
  startFlag: Type.Boolean(),
  configurations: Type.Object({
    driver: Type.String(),
    networks: Type.Integer({ minimum: 0 }),
    subnets: Type.Integer({ minimum: 0 }),
    ports: Type.Integer({ minimum: 0 }),
    /** Underlay address for VXLAN flooding between agents (`--local-ip`), when the agent has one. */
    tunnelIp: Type.Optional(Type.String()),
    physicalNetworks: Type.Array(Type.String()),
  }),
});
export const ReportStateResult = Type.Object({
  /** Absent from neutron-server, whose `report_state` answers the status only (the agent never reads it). */
  agentId: Type.Optional(Uuid),
  status: Type.Union([Type.Literal('new'), Type.Literal('alive'), Type.Literal('revived')]),
});

/** Networks bound to the host (after auto-scheduling unhosted ones, spec §4.10), with everything inside. */
export const GetActiveNetworksParams = Type.Object({ host: Host });
export const GetActiveNetworksResult = Type.Object({ networks: Type.Array(AgentNetwork) });

/** One network, or null when it is gone or no longer bound to this host. */
export const GetNetworkParams = Type.Object({ host: Host, networkId: Uuid });
export const GetNetworkResult = Type.Object({ network: Type.Union([AgentNetwork, Type.Null()]) });

/**
 * Create, update or adopt this agent's DHCP port on a network in one call (spec §4.14 does it in three):
 * the port with `deviceId`, else a reserved one (`device_id = reserved_dhcp_port`, keeping its IPs), else a
 * new one, with an address on every subnet in `subnetIds` (the lowest free one, spec §3.4). `port` is null
 * when the network vanished; no free address is an error (`IpAddressGenerationFailure`).
 */
export const EnsurePortParams = Type.Object({
  host: Host,
  networkId: Uuid,
  deviceId: Type.String({ minLength: 1, maxLength: 255 }),
  subnetIds: Type.Array(Uuid),
});
export const EnsurePortResult = Type.Object({ port: Type.Union([AgentPort, Type.Null()]) });

/** Delete the agent's DHCP port(s) on a network (spec §4.10 release_dhcp_port). */
export const ReleasePortParams = Type.Object({
  host: Host,
  networkId: Uuid,
  deviceId: Type.String({ minLength: 1 }),
});
export const EmptyResult = Type.Object({});

/** These ports are served: their status may go DOWN → ACTIVE (spec §1.9, §4.8). */
export const PortsReadyParams = Type.Object({ host: Host, portIds: Type.Array(Uuid, { maxItems: 1000 }) });

/**
 * The agent answers DHCP for these networks now (it reports each when it starts serving it, and again
 * after every full resync): the server may end a drain of another agent's binding (src/service/agent-drain.ts).
 */
export const NetworksServedParams = Type.Object({
  host: Host,
  networkIds: Type.Array(Uuid, { maxItems: 1000 }),
});

/**
 * The instance behind a metadata request (spec §6): the port that holds `ipAddress` on `networkId` gives
 * the instance (`device_id`) and the project. The agent's proxy passes only what the kernel told it (the
 * namespace it listens in, the TCP peer address), never anything the client wrote.
 */
export const GetInstanceParams = Type.Object({
  host: Host,
  networkId: Uuid,
  ipAddress: Type.String({ minLength: 1, maxLength: 64 }),
});
const MetadataSubnetView = Type.Object({
  id: Uuid,
  cidr: Type.String(),
  ipVersion: Type.Union([Type.Literal(4), Type.Literal(6)]),
  gatewayIp: Type.Union([Type.String(), Type.Null()]),
  enableDhcp: Type.Boolean(),
  dnsNameservers: Type.Array(Type.String()),
  hostRoutes: Type.Array(HostRoute),
  /** Optional: an agent fills it from its own snapshot when the server does not send it. */
  ipv6AddressMode: Type.Optional(Nullable(Type.String())),
});
const MetadataPortView = Type.Object({
  id: Uuid,
  networkId: Uuid,
  macAddress: Type.String(),
  mtu: Type.Union([Type.Integer(), Type.Null()]),
  fixedIps: Type.Array(Type.Object({ ipAddress: Type.String(), subnet: MetadataSubnetView })),
});
/** `src/metadata/instance.ts` MetadataInstance as JSON: user data travels base64-encoded. */
const MetadataInstanceView = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  hostname: Type.String(),
  projectId: Type.String(),
  availabilityZone: Type.String(),
  launchIndex: Type.Integer({ minimum: 0 }),
  /** The integer of the EC2 instance id; optional: from a server that predates it the agent serves the UUID. */
  ec2Id: Type.Optional(Type.Integer({ minimum: 0 })),
  publicKeys: Type.Array(Type.Object({ name: Type.String(), key: Type.String() })),
  userDataBase64: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
});
/**
 * `identity` is null when no port of the network holds the address or its `device_id` is empty (→ 404).
 * `context` is what the builtin backend's trees are built from (`MetadataContext` without the request IP
 * and random source): null when qdhcp keeps no instance record with that id (→ 404 in builtin mode; the
 * nova backend needs only `identity`).
 */
export const GetInstanceResult = Type.Object({
  identity: Type.Union([
    Type.Object({ portId: Uuid, instanceId: Type.String({ minLength: 1 }), projectId: Type.String() }),
    Type.Null(),
  ]),
  context: Type.Union([
    Type.Object({
      instance: MetadataInstanceView,
      requestPort: MetadataPortView,
      ports: Type.Array(MetadataPortView),
      domain: Type.String(),
    }),
    Type.Null(),
  ]),
});
export type GetInstanceResult = Static<typeof GetInstanceResult>;

/** Every method: its name, params schema and result schema. */
export const DHCP_AGENT_METHODS = {
  'agent.report_state': { params: ReportStateParams, result: ReportStateResult },
  'dhcp.get_active_networks': { params: GetActiveNetworksParams, result: GetActiveNetworksResult },
  'dhcp.get_network': { params: GetNetworkParams, result: GetNetworkResult },
  'dhcp.ensure_port': { params: EnsurePortParams, result: EnsurePortResult },
  'dhcp.release_port': { params: ReleasePortParams, result: EmptyResult },
  'dhcp.ports_ready': { params: PortsReadyParams, result: EmptyResult },
  'dhcp.networks_served': { params: NetworksServedParams, result: EmptyResult },
  'metadata.get_instance': { params: GetInstanceParams, result: GetInstanceResult },
} as const satisfies Record<string, { params: TSchema; result: TSchema }>;

export type DhcpAgentMethod = keyof typeof DHCP_AGENT_METHODS;
export type MethodParams<M extends DhcpAgentMethod> = Static<(typeof DHCP_AGENT_METHODS)[M]['params']>;
export type MethodResult<M extends DhcpAgentMethod> = Static<(typeof DHCP_AGENT_METHODS)[M]['result']>;

/**
 * Published when the scheduler binds a network to an agent or unbinds it (manual, failover, network
 * deleted): the agent converges or tears the network down without waiting for its next resync.
 */
export const AgentBindingEventV1 = Type.Object({
  schema: Type.Literal('qdhcp.agent-binding'),
  version: Type.Literal(1),
  host: Host,
  networkId: Uuid,
  action: Type.Union([Type.Literal('bound'), Type.Literal('unbound')]),
  occurredAt: Type.String(),
});
export type AgentBindingEventV1 = Static<typeof AgentBindingEventV1>;
