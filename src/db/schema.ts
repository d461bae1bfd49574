/**
 * Row types of the control-plane tables, as Kysely sees them. Booleans are stored as integers 0/1 and
 * lists/objects as JSON text so that SQLite and PostgreSQL share one schema and one set of queries.
 * Timestamps are text `YYYY-MM-DDTHH:MM:SSZ` (Neutron's format, whole seconds, UTC).
 *
 * @module
 */

/** `networks`: one row per network, its provider segment and its counters. */
export interface NetworksTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  status: string;
  shared: number;
  mtu: number;
  dns_domain: string;
  port_security_enabled: number;
  router_external: number;
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
  /** `flat:physnet`, `vlan:physnet:id`, `vxlan:vni`; null for local. Unique: one owner per segment. */
  segment_key: string | null;
  availability_zone_hints: string;
  tags: string;
  created_at: string;
  updated_at: string;
  /** Neutron's standard-attribute revision of the network resource itself. */
  revision_number: number;
  /** Bumped by every change to the network, its subnets or its ports (agents detect gaps with it). */
  sync_revision: number;
}

/** `subnets`: one row per subnet; pools, nameservers and routes kept as ordered JSON lists. */
export interface SubnetsTable {
  id: string;
  network_id: string;
  project_id: string;
  name: string;
  description: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: number;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  allocation_pools: string;
  dns_nameservers: string;
  host_routes: string;
  service_types: string;
  dns_publish_fixed_ip: number;
  segment_id: string | null;
  /** The pool the subnet's CIDR was allocated from (null: given directly). */
  subnetpool_id: string | null;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** `address_scopes`: one row per address scope (no standard attributes in Neutron either). */
export interface AddressScopesTable {
  id: string;
  project_id: string;
  name: string;
  shared: number;
  ip_version: number;
}

/** `subnetpools`: one row per subnet pool; `prefixes` is the compacted CIDR list as JSON. */
export interface SubnetPoolsTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  ip_version: number;
  prefixes: string;
  default_prefixlen: number;
  min_prefixlen: number;
  max_prefixlen: number;
  /** Null: no quota. */
  default_quota: number | null;
  is_default: number;
  shared: number;
  address_scope_id: string | null;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/**
 * `routers` (issue 13): the gateway is the external network (null: none) and its SNAT mode; the gateway
 * and interface addresses are the router's ports (`device_id` = the router). `routes` is JSON.
 */
export interface RoutersTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  status: string;
  gw_network_id: string | null;
  enable_snat: number;
  routes: string;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/**
 * `floatingips` (issue 13): the address is held by the `network:floatingip` port `floating_port_id` on
 * the external network; `fixed_port_id`/`fixed_ip_address`/`router_id` are set while associated.
 */
export interface FloatingIpsTable {
  id: string;
  project_id: string;
  description: string;
  floating_network_id: string;
  floating_ip_address: string;
  floating_port_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** `ports`: one row per port; `(network_id, mac_address)` is unique. */
export interface PortsTable {
  id: string;
  network_id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: number;
  mac_address: string;
  device_id: string;
  device_owner: string;
  status: string;
  binding_host_id: string;
  binding_vnic_type: string;
  binding_profile: string;
  binding_vif_type: string;
  dns_name: string;
  dns_domain: string;
  port_security_enabled: number;
  extra_dhcp_opts: string;
  allowed_address_pairs: string;
  ip_allocation: string;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/**
 * `ip_allocations`: the fixed IPs of ports. The primary key `(subnet_id, ip_address)` is the guard
 * against double allocation (spec 3.1); `position` keeps the order the port's addresses were given.
 */
export interface IpAllocationsTable {
  subnet_id: string;
  ip_address: string;
  port_id: string;
  network_id: string;
  position: number;
}

/** `agents`: one row per (agent_type, host); timestamps as the other tables, whole seconds UTC. */
export interface AgentsTable {
  id: string;
  agent_type: string;
  binary: string;
  host: string;
  topic: string;
  availability_zone: string | null;
  admin_state_up: number;
  /** The agent's last reported configuration, JSON. */
  configurations: string;
  /** The reported counter named by `dhcp_load_type`. */
  load: number;
  created_at: string;
  started_at: string;
  heartbeat_timestamp: string;
  description: string | null;
}

/** `network_dhcp_agent_bindings`: which agents host which network; index unique per network (1..N). */
export interface NetworkDhcpAgentBindingsTable {
  network_id: string;
  agent_id: string;
  binding_index: number;
  /** 1 while the agent is admin-down and another agent has not yet reported serving the network. */
  draining: number;
  /** When the agent first reported serving the network (`dhcp.networks_served`); null until then. */
  served_at: string | null;
}

/**
 * `router_l3_agent_bindings`: a router's L3 revision and the L3 agent hosting it (null: unscheduled),
 * one row per router (migration 0009).
 */
export interface RouterL3AgentBindingsTable {
  router_id: string;
  agent_id: string | null;
  revision: number;
}

/**
 * `instances`: qdhcp's own instance records for the builtin metadata service (issue 5). The instance's
 * ports are the ports whose `device_id` is the instance id (no join table: one owner per port).
 */
export interface InstancesTable {
  id: string;
  project_id: string;
  name: string;
  /** A DNS label. */
  hostname: string;
  availability_zone: string;
  /** JSON object key name → public key, in the order given. */
  public_keys: string;
  /** Base64 of the raw user data (≤ 64 KiB decoded), or null when the instance has none. */
  user_data: string | null;
  /** JSON object of string → string. */
  metadata: string;
  launch_index: number;
  /** The integer behind the EC2 instance id `i-%08x` (from `id_counters`, never reused). */
  ec2_id: number;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** `id_counters`: named counters that only grow (`instance_ec2_id`; `sg_members:<group id>`, issue 14). */
export interface IdCountersTable {
  name: string;
  value: number;
}

/** `securitygroups` (issue 14, migration 0008): one row per security group. */
export interface SecurityGroupsTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  stateful: number;
  tags: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** `default_security_groups`: the one `default` group of a project (the primary key makes it one). */
export interface DefaultSecurityGroupsTable {
  project_id: string;
  security_group_id: string;
}

/** `securitygrouprules`: a rule of a group; null columns are "any". */
export interface SecurityGroupRulesTable {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

/** `securitygroupportbindings`: which groups a port is in. */
export interface SecurityGroupPortBindingsTable {
  port_id: string;
  security_group_id: string;
}

/** `port_provisioning` (migration 0010): an entity (`dhcp`, `l2`) reported the port ready. */
export interface PortProvisioningTable {
  port_id: string;
  entity: string;
}

/** The whole database as Kysely's type parameter. */
export interface Schema {
  address_scopes: AddressScopesTable;
  subnetpools: SubnetPoolsTable;
  agents: AgentsTable;
  network_dhcp_agent_bindings: NetworkDhcpAgentBindingsTable;
  router_l3_agent_bindings: RouterL3AgentBindingsTable;
  networks: NetworksTable;
  subnets: SubnetsTable;
  ports: PortsTable;
  routers: RoutersTable;
  floatingips: FloatingIpsTable;
  ip_allocations: IpAllocationsTable;
  instances: InstancesTable;
  id_counters: IdCountersTable;
  securitygroups: SecurityGroupsTable;
  default_security_groups: DefaultSecurityGroupsTable;
  securitygrouprules: SecurityGroupRulesTable;
  securitygroupportbindings: SecurityGroupPortBindingsTable;
  port_provisioning: PortProvisioningTable;
}
