/**
 * The configuration files of one test run's Neutron (Zed, Debian's packages), modelled on
 * `../shared/tools/neutron/` and changed for a test: everything the run owns is named by the run (its own
 * API port, broker, database, state and lock directories, agent host and physnet bridges), `agent_down_time`
 * is short so a stopped agent is marked dead within seconds, and `root_helper = env`: the tests run as root,
 * so commands and privsep helpers run directly — without sudo (which would move them into a session of their
 * own, out of the service's process group) and without rootwrap (~0.3 s of Python per command).
 *
 * @module
 */

/** What the files are rendered from. */
export interface NeutronConfigInput {
  /** The run's directory for state (`state_path`, DHCP files, the metadata socket) and locks. */
  readonly stateDir: string;
  readonly apiPort: number;
  readonly transportUrl: string;
  /** SQLAlchemy URL of the run's database. */
  readonly databaseUrl: string;
  /** `[DEFAULT] host` of every agent of the run (the DHCP scheduler needs the L2 agent on the same host). */
  readonly host: string;
  /** physnet name → the run's bridge for it (`bridge_mappings`). */
  readonly physnets: ReadonlyMap<string, string>;
  readonly reportIntervalSeconds: number;
  readonly agentDownTimeSeconds: number;
  /** Where neutron-metadata-agent forwards (the Nova stand-in), and the shared secret it signs with. */
  readonly novaMetadataPort: number;
  readonly metadataSecret: string;
}

/** File name → text, written into the run's `etc/`. */
export type NeutronConfigFiles = ReadonlyMap<string, string>;

/** The UNIX socket neutron-metadata-agent listens on (what a DHCP agent's metadata proxy forwards to). */
export function metadataProxySocket(stateDir: string): string {
  return `${stateDir}/metadata_proxy`;
}

function ini(
  sections: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>,
): string {
  return Object.entries(sections)
    .map(
      ([name, options]) =>
        `[${name}]\n${Object.entries(options)
          .map(([key, value]) => `${key} = ${String(value)}\n`)
          .join('')}`,
    )
    .join('\n');
}

/** Renders neutron.conf, ml2_conf.ini and the agents' files. */
export function renderNeutronConfig(input: NeutronConfigInput): NeutronConfigFiles {
  const neutron = ini({
    DEFAULT: {
      auth_strategy: 'noauth',
      core_plugin: 'ml2',
      service_plugins: '',
      bind_host: '127.0.0.1',
      bind_port: input.apiPort,
      api_paste_config: '/etc/neutron/api-paste.ini',
      transport_url: input.transportUrl,
      state_path: input.stateDir,
      host: input.host,
      debug: false,
      notify_nova_on_port_status_changes: false,
      notify_nova_on_port_data_changes: false,
      // One process each: the machine is shared with other tests (the API answers in ~10-20 s either way).
      api_workers: 1,
      rpc_workers: 1,
      rpc_state_report_workers: 1,
      dhcp_agents_per_network: 1,
      agent_down_time: input.agentDownTimeSeconds,
      dns_domain: 'openstacklocal',
    },
    agent: { root_helper: 'env', report_interval: input.reportIntervalSeconds },
    database: { connection: input.databaseUrl, max_pool_size: 5 },
    oslo_concurrency: { lock_path: `${input.stateDir}/lock` },
    quotas: {
      quota_network: -1,
      quota_subnet: -1,
      quota_port: -1,
      quota_router: -1,
      quota_floatingip: -1,
      quota_security_group: -1,
      quota_security_group_rule: -1,
    },
    // Zed marks the Linux bridge mechanism driver and agent experimental.
    experimental: { linuxbridge: true },
  });
  const ml2 = ini({
    ml2: {
      type_drivers: 'flat,vlan',
      tenant_network_types: 'vlan',
      mechanism_drivers: 'linuxbridge',
      extension_drivers: 'port_security',
    },
    ml2_type_flat: { flat_networks: '*' },
    ml2_type_vlan: { network_vlan_ranges: [...input.physnets.keys()].map((p) => `${p}:100:199`).join(',') },
    securitygroup: { enable_security_group: true },
  });
  const linuxbridge = ini({
    // This kernel has no dummy and no 802.1Q devices: flat networks, one bridge per physnet (no IP, no NIC).
    linux_bridge: {
      bridge_mappings: [...input.physnets].map(([physnet, bridge]) => `${physnet}:${bridge}`).join(','),
    },
    vxlan: { enable_vxlan: false },
    securitygroup: { enable_security_group: false, firewall_driver: 'noop' },
    // The agent polls for new tap devices: 1 s instead of 2 s wires a DHCP port sooner.
    agent: { polling_interval: 1 },
  });
  const metadata = ini({
    DEFAULT: {
      nova_metadata_host: '127.0.0.1',
      nova_metadata_port: input.novaMetadataPort,
      metadata_proxy_shared_secret: input.metadataSecret,
      metadata_proxy_socket: metadataProxySocket(input.stateDir),
      metadata_workers: 1,
    },
  });
  const dhcp = ini({
    DEFAULT: {
      interface_driver: 'linuxbridge',
      dhcp_driver: 'neutron.agent.linux.dhcp.Dnsmasq',
      enable_isolated_metadata: true,
      force_metadata: false,
      dhcp_confs: `${input.stateDir}/dhcp`,
      num_sync_threads: 4,
      resync_interval: 5,
    },
  });
  return new Map([
    ['neutron.conf', neutron],
    ['ml2_conf.ini', ml2],
    ['linuxbridge_agent.ini', linuxbridge],
    ['metadata_agent.ini', metadata],
    ['dhcp_agent.ini', dhcp],
  ]);
}
