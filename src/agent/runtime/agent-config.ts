/**
 * The agent's configuration: its option table, named as in Neutron's `dhcp_agent.ini` where the concept is
 * the same, resolved by the one loader the server uses too (`src/common/config-options.ts`: Neutron-style
 * file, flags win, unknown keys are errors), then the agent's own cross-checks.
 *
 * @module
 */
import { hostname } from 'node:os';
import { parseAmqpUrl } from '../../bus/amqp-topology.js';
import { type IniDocument, readIniFile } from '../../common/config-ini.js';
import {
  checkDnsDomain,
  configInvalid as invalid,
  type OptionFlags,
  type OptionSpec,
  parseHostPort,
  resolveOptions,
} from '../../common/config-options.js';
import { SERVER_OPTIONS } from '../../common/config-server-options.js';
import { isQdhcpError, QdhcpError } from '../../common/errors.js';
import { parseIpv4 } from '../../common/ipv4.js';
import { parseUpstream } from '../../dns/forwarder.js';
import { METADATA_BACKENDS, type MetadataBackendName } from '../metadata-proxy/backends.js';
import { AGENT_ROLES_OPTION, type AgentRole, parseAgentRoles } from './agent-roles.js';
import { CONTROL_PLANE_OPTIONS } from './control-plane-options.js';
import {
  DHCP_SOCKET_OPTIONS,
  type DhcpSocketConfig,
  resolveDhcpSocketOptions,
} from './dhcp-socket-options.js';
import { MAPPING_OPTIONS, type MappingsConfig, resolveMappings } from './mapping-options.js';
import {
  METADATA_LIMIT_OPTIONS,
  type MetadataLimitsConfig,
  resolveMetadataLimits,
} from './metadata-limit-options.js';
import {
  NEUTRON_DATAPLANE_OPTIONS,
  type NeutronDataplaneConfig,
  resolveNeutronDataplane,
} from './neutron-dataplane-options.js';

/** The server's definition of an option the agent reads too, so both keep one default and one help text. */
function sharedOption(key: string): OptionSpec {
  const spec = SERVER_OPTIONS.find((option) => option.key === key);
  if (spec === undefined) throw new QdhcpError('INVARIANT_VIOLATED', { reason: `no server option ${key}` });
  return spec;
}

/** Every agent option, in `--help` order (Neutron's `dhcp_agent.ini` names). */
export const AGENT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'host',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'agent host name (default: hostname)',
  },
  {
    key: 'state_dir',
    sections: ['DEFAULT'],
    kind: 'string',
    default: './var',
    help: 'directory for local state',
  },
  {
    key: 'transport_url',
    sections: ['DEFAULT'],
    flag: '--bus',
    kind: 'string',
    default: 'inprocess://',
    help: 'message bus URL: amqp://user:pass@host:port/vhost[?exchange=PREFIX] to reach qdhcp servers (inprocess:// only inside all-in-one)',
  },
  ...CONTROL_PLANE_OPTIONS,
  AGENT_ROLES_OPTION,
  {
    key: 'namespace_prefix',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'prefix of every DHCP namespace name',
  },
  {
    key: 'host_namespace',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'namespace holding bridges, taps and uplinks (ip -n NS); default: the current one',
  },
  ...MAPPING_OPTIONS,
  {
    key: 'local_ip',
    sections: ['vxlan'],
    kind: 'string',
    default: '',
    help: 'VXLAN underlay address of this host',
  },
  {
    key: 'dhcp_driver',
    sections: ['DEFAULT'],
    flag: '--driver',
    kind: 'string',
    default: 'builtin',
    choices: ['builtin', 'dnsmasq'],
    help: 'DHCP driver',
  },
  // Shared with the server, as in Neutron: both read [DEFAULT] dns_domain and dhcp_lease_duration.
  sharedOption('dns_domain'),
  sharedOption('dhcp_lease_duration'),
  {
    key: 'dhcp_renewal_time',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '0',
    min: 0,
    help: 'DHCP renewal time T1 in seconds (option 58); 0 = half the lease',
  },
  {
    key: 'dhcp_rebinding_time',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '0',
    min: 0,
    help: 'DHCP rebinding time T2 in seconds (option 59); 0 = 7/8 of the lease',
  },
  {
    key: 'dnsmasq_dns_servers',
    sections: ['DEFAULT'],
    flag: '--dns-servers',
    kind: 'list',
    default: '',
    help: 'upstream resolvers IP[#PORT][,...] for names outside the network (none: REFUSED)',
  },
  {
    key: 'enable_isolated_metadata',
    sections: ['DEFAULT'],
    kind: 'bool',
    // On in qdhcp (Neutron: off): a subnet is isolated until a router interface holds its gateway IP (then
    // 169.254.169.254 goes via the router, metadata-proxy/router-metadata.ts), and most have no router.
    default: 'true',
    help: 'metadata route via the DHCP port and the metadata proxy on isolated subnets',
  },
  {
    key: 'force_metadata',
    sections: ['DEFAULT'],
    kind: 'bool',
    default: 'false',
    help: 'metadata route via the DHCP port on every subnet',
  },
  {
    key: 'metadata_backend',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'builtin',
    choices: [...METADATA_BACKENDS],
    help: "who answers the metadata proxy: qdhcp's instance records (builtin), a Nova metadata API after asking the server who calls (nova) or after finding the caller in the agent's own ports (nova-local), or neutron-metadata-agent's socket (neutron-agent)",
  },
  {
    key: 'nova_metadata_url',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'http://127.0.0.1:8775',
    help: 'Nova metadata API for metadata_backend = nova or nova-local (unless nova_metadata_host is set)',
  },
  {
    key: 'metadata_proxy_shared_secret',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'key of X-Instance-ID-Signature sent to Nova (HMAC-SHA256)',
  },
  ...METADATA_LIMIT_OPTIONS,
  ...DHCP_SOCKET_OPTIONS,
  // Metadata and plumbing under Neutron (issue 16): one block, its own file.
  ...NEUTRON_DATAPLANE_OPTIONS,
  {
    key: 'resync_interval',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '60',
    min: 0,
    help: 'seconds between full resyncs (0 = only on start and on reasons)',
  },
  {
    key: 'enable_security_group',
    sections: ['DEFAULT', 'securitygroup'],
    kind: 'bool',
    default: 'false',
    help: "L2 role: enforce the ports' security groups statefully with iptables physdev + ipset (docs/compute.md)",
  },
  {
    key: 'served_state',
    sections: ['DEFAULT'],
    kind: 'bool',
    default: 'true',
    help: 'keep a snapshot of what is served in state_dir/served-state and serve it at once after a crash (docs/agent.md)',
  },
  {
    key: 'report_interval',
    sections: ['AGENT'],
    kind: 'int',
    // Neutron: 30. qdhcp: 5, a third of the server's agent_down_time (15), for failover within 30 s.
    default: '5',
    min: 1,
    help: 'seconds between heartbeats (agent.report_state)',
  },
  {
    key: 'num_sync_threads',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '8',
    min: 1,
    max: 256,
    help: 'networks converged at once',
  },
  { key: 'log_dhcp', sections: ['DEFAULT'], kind: 'bool', default: 'false', help: 'log every DHCP exchange' },
  {
    key: 'metrics_bind',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'HOST:PORT for Prometheus /metrics (default: off)',
  },
  { key: 'debug', sections: ['DEFAULT'], kind: 'bool', default: 'false', help: 'debug logging' },
];

/** Resolved, validated agent configuration. */
export interface AgentConfig
  extends NeutronDataplaneConfig,
    MetadataLimitsConfig,
    DhcpSocketConfig,
    MappingsConfig {
  readonly host: string;
  readonly stateDir: string;
  readonly transportUrl: string;
  /** The control plane: qdhcp's servers over the bus, or neutron-server over oslo.messaging. */
  readonly rpc: 'qdhcp' | 'neutron';
  readonly controlExchange: string;
  readonly rpcResponseTimeoutSeconds: number;
  readonly availabilityZone: string;
  /** `agent_roles`: never empty. */
  readonly roles: ReadonlySet<AgentRole>;
  readonly namespacePrefix: string;
  /** Where bridges, taps and uplinks live; undefined = the agent's own namespace. */
  readonly hostNamespace: string | undefined;
  readonly localIp: string | undefined;
  readonly driver: 'builtin' | 'dnsmasq';
  readonly dnsDomain: string;
  readonly dhcpLeaseDuration: number;
  /** `dhcp_renewal_time` / `dhcp_rebinding_time` (T1/T2) in seconds; 0 = dnsmasq's ½ and ⅞ of the lease. */
  readonly dhcpRenewalTime: number;
  readonly dhcpRebindingTime: number;
  /** `dnsmasq_dns_servers`: upstream resolvers as written (`192.0.2.53`, `192.0.2.53#5353`, `2001:db8::53#5353`). */
  readonly dnsServers: readonly string[];
  readonly enableIsolatedMetadata: boolean;
  readonly forceMetadata: boolean;
  readonly metadataBackend: MetadataBackendName;
  readonly metadataProxySharedSecret: string;
  readonly resyncIntervalSeconds: number;
  /** `served_state`: keep the crash-restart snapshot and serve it on start (served-state/). */
  readonly servedState: boolean;
  /** `enable_security_group`: the L2 role enforces security groups (docs/compute.md "Security groups"). */
  readonly enableSecurityGroup: boolean;
  /** Delay before a failed network (or full sync) is retried; default the reconciler's (2 s). */
  readonly retryDelaySeconds?: number;
  readonly reportIntervalSeconds: number;
  readonly syncParallelism: number;
  readonly logDhcp: boolean;
  readonly metricsBind: { readonly host: string; readonly port: number } | undefined;
  readonly debug: boolean;
}

/**
 * Resolves the agent configuration from an INI document (optional) and flags (which win), keyed by option
 * key. `transport_url` is `inprocess://` (all-in-one) or an AMQP URL (`src/bus/amqp-topology.ts`).
 */
export function resolveAgentConfig(
  ini: IniDocument | undefined,
  flags: OptionFlags,
  source = 'config',
): AgentConfig {
  const options = resolveOptions(AGENT_OPTIONS, ini, flags, source);
  const { get, str, int, bool } = options;

  const transportUrl = str('transport_url');
  const rpc = str('rpc') as AgentConfig['rpc'];
  if (rpc === 'neutron') {
    // The hosts are read (and a bad one refused) by src/neutron/neutron-url.ts when the agent starts.
    if (!/^(rabbit|amqps?):\/\/[^/?#]+/.test(transportUrl))
      throw invalid(
        `${get('transport_url').where}: rpc = neutron needs rabbit://user:pass@host:port[,user:pass@host:port…]/vhost`,
      );
  } else if (/^amqps?:/.test(transportUrl)) {
    try {
      parseAmqpUrl(transportUrl);
    } catch (error) {
      throw invalid(
        `${get('transport_url').where}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } else if (!transportUrl.startsWith('inprocess:'))
    throw invalid(`${get('transport_url').where}: "${transportUrl}" is not a supported bus URL`);
  const dnsDomain = checkDnsDomain(str('dns_domain'), get('dns_domain').where);
  const prefix = str('namespace_prefix');
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix) || prefix.length > 64)
    throw invalid(`${get('namespace_prefix').where}: "${prefix}" is not a usable namespace prefix`);
  const hostNamespace = str('host_namespace');
  if (!/^[A-Za-z0-9_.-]*$/.test(hostNamespace) || hostNamespace.length > 255)
    throw invalid(`${get('host_namespace').where}: "${hostNamespace}" is not a namespace name`);
  const localIp = str('local_ip');
  if (localIp !== '' && parseIpv4(localIp) === undefined)
    throw invalid(`${get('local_ip').where}: "${localIp}" is not an IPv4 address`);
  const dnsServers = get('dnsmasq_dns_servers')
    .value.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of dnsServers) {
    try {
      parseUpstream(entry);
    } catch (error) {
      if (!isQdhcpError(error, 'DNS_CONFIG_INVALID')) throw error;
      throw invalid(`${get('dnsmasq_dns_servers').where}: ${error.message}`);
    }
  }
  checkRenewalTimes(int('dhcp_lease_duration'), int('dhcp_renewal_time'), int('dhcp_rebinding_time'));
  const roles = parseAgentRoles(get('agent_roles').value, get('agent_roles').where);
  const metrics = str('metrics_bind');
  const host = str('host') || hostname();
  if (host.length > 255) throw invalid(`${get('host').where}: host name too long`);
  return {
    host,
    stateDir: str('state_dir'),
    transportUrl,
    rpc,
    controlExchange: str('control_exchange'),
    rpcResponseTimeoutSeconds: int('rpc_response_timeout'),
    availabilityZone: str('availability_zone'),
    roles,
    namespacePrefix: prefix,
    hostNamespace: hostNamespace === '' ? undefined : hostNamespace,
    ...resolveMappings(options),
    localIp: localIp === '' ? undefined : localIp,
    driver: str('dhcp_driver') as AgentConfig['driver'],
    dnsDomain,
    dhcpLeaseDuration: int('dhcp_lease_duration'),
    dhcpRenewalTime: int('dhcp_renewal_time'),
    dhcpRebindingTime: int('dhcp_rebinding_time'),
    dnsServers,
    enableIsolatedMetadata: bool('enable_isolated_metadata'),
    forceMetadata: bool('force_metadata'),
    metadataBackend: str('metadata_backend') as AgentConfig['metadataBackend'],
    metadataProxySharedSecret: get('metadata_proxy_shared_secret').value,
    ...resolveMetadataLimits(options),
    ...resolveDhcpSocketOptions(options),
    ...resolveNeutronDataplane(options),
    resyncIntervalSeconds: int('resync_interval'),
    servedState: bool('served_state'),
    enableSecurityGroup: bool('enable_security_group'),
    reportIntervalSeconds: int('report_interval'),
    syncParallelism: int('num_sync_threads'),
    logDhcp: bool('log_dhcp'),
    metricsBind: metrics === '' ? undefined : parseHostPort(metrics, get('metrics_bind').where),
    debug: bool('debug'),
  };
}

/**
 * T1 < T2 < lease (RFC 2131 §4.4.5), each configured value checked against the other's effective value
 * (a time left at 0 is dnsmasq's ½ or ⅞ of the lease). dnsmasq would otherwise quietly replace a value
 * that is not below the lease or is under 3 s, and lower T1 below T2 (rfc2131.c `do_options`): a
 * configuration it would not honour is refused instead. With an infinite lease T1/T2 are never sent.
 */
function checkRenewalTimes(lease: number, t1: number, t2: number): void {
  for (const [key, value] of [
    ['dhcp_renewal_time', t1],
    ['dhcp_rebinding_time', t2],
  ] as const) {
    if (value > 0 && value < 3)
      throw invalid(`${key}: ${value} s is too short (dnsmasq ignores T1/T2 under 3 s)`);
    if (value > 0 && lease > 0 && value >= lease)
      throw invalid(`${key}: ${value} s must be shorter than dhcp_lease_duration (${lease} s)`);
  }
  if (lease <= 0) {
    if (t1 > 0 && t2 > 0 && t1 >= t2)
      throw invalid(`dhcp_renewal_time (${t1} s) must be shorter than dhcp_rebinding_time (${t2} s)`);
    return;
  }
  const effectiveT1 = t1 > 0 ? t1 : Math.floor(lease / 2);
  const effectiveT2 = t2 > 0 ? t2 : Math.floor((lease * 7) / 8);
  if (effectiveT1 >= effectiveT2) {
    const t1Text = t1 > 0 ? `dhcp_renewal_time (${t1} s)` : `T1 (half the lease, ${effectiveT1} s)`;
    const t2Text = t2 > 0 ? `dhcp_rebinding_time (${t2} s)` : `T2 (7/8 of the lease, ${effectiveT2} s)`;
    throw invalid(`${t1Text} must be shorter than ${t2Text}`);
  }
}

/** Reads `file` (optional INI) and resolves it with `flags`. */
export function loadAgentConfig(file: string | undefined, flags: OptionFlags): AgentConfig {
  return resolveAgentConfig(readIniFile(file), flags, file);
}
