/**
 * Server configuration: an INI file like Neutron's (`key = value`, `[DEFAULT]` and other sections
 * optional) plus command-line flags that win over the file. Option names follow Neutron's where the
 * concept is the same (`base_mac`, `dns_domain`, `network_vlan_ranges`, ...). Every value is converted
 * and checked against the option table below; anything wrong is a `CONFIG_INVALID` error naming the
 * option and the source line, never a silent default.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { QdhcpError } from './errors.js';

/** How an option's text is converted. */
type OptionKind = 'string' | 'int' | 'bool' | 'list';

/** One configurable option: its INI key, the sections it may appear in, kind, default and help. */
export interface OptionSpec {
  readonly key: string;
  readonly sections: readonly string[];
  readonly kind: OptionKind;
  readonly default: string;
  readonly help: string;
  /** Allowed values (for strings, or for every list item). */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The command-line flag when it is not `--` + the key with dashes. */
  readonly flag?: string;
}

/** The command-line flag of an option (`dhcp_lease_duration` → `--dhcp-lease-duration`). */
export function optionFlag(spec: OptionSpec): string {
  return spec.flag ?? `--${spec.key.replaceAll('_', '-')}`;
}

/** Every option, in `--help` order. The flag of `some_key` is `--some-key`. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'bind',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '127.0.0.1:9696',
    help: 'HOST:PORT to listen on',
  },
  {
    key: 'state_dir',
    sections: ['DEFAULT'],
    kind: 'string',
    default: './var',
    help: 'directory for local state',
  },
  {
    key: 'connection',
    sections: ['database'],
    flag: '--db',
    kind: 'string',
    default: '',
    help: 'database URL (default: SQLite file in the state dir; postgres://... for PostgreSQL)',
  },
  {
    key: 'transport_url',
    sections: ['DEFAULT'],
    flag: '--bus',
    kind: 'string',
    default: 'inprocess://',
    help: 'message bus URL: inprocess:// (one process) or amqp://user:pass@host:port/vhost[?exchange=PREFIX] (RabbitMQ, docs/bus.md)',
  },
  {
    key: 'auth_strategy',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'noauth',
    choices: ['noauth', 'token'],
    help: 'noauth (every caller is admin of fake_project_id) or token (static X-Auth-Token tokens)',
  },
  {
    key: 'static_tokens',
    sections: ['DEFAULT', 'auth'],
    kind: 'list',
    default: '',
    help: 'token mode: comma-separated TOKEN:PROJECT:ROLE entries (ROLE admin or member)',
  },
  {
    key: 'base_mac',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'fa:16:3e:00:00:00',
    help: 'base MAC for ports',
  },
  { key: 'dns_domain', sections: ['DEFAULT'], kind: 'string', default: 'openstacklocal', help: 'DNS domain' },
  {
    key: 'dhcp_lease_duration',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '86400',
    min: -1,
    help: 'DHCP lease time in seconds (-1 = infinite)',
  },
  {
    key: 'dhcp_agents_per_network',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '1',
    min: 1,
    help: 'DHCP agents scheduled per network',
  },
  {
    key: 'agent_down_time',
    sections: ['DEFAULT'],
    kind: 'int',
    // Neutron: 75 (with report_interval 30). qdhcp: 3 heartbeats of 5 s, so a network whose only agent
    // died has DHCP back within 30 s (docs/agent.md "Failover").
    default: '15',
    min: 1,
    help: 'seconds before an agent is dead',
  },
  {
    key: 'agent_check_interval',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '0',
    min: 0,
    help: 'seconds between checks for dead DHCP agents (0 = max(agent_down_time / 2, 1))',
  },
  {
    key: 'allow_automatic_dhcp_failover',
    sections: ['DEFAULT'],
    kind: 'bool',
    default: 'true',
    help: 'move networks of dead DHCP agents to live ones',
  },
  {
    key: 'network_auto_schedule',
    sections: ['DEFAULT'],
    kind: 'bool',
    default: 'true',
    help: 'schedule unhosted networks to a DHCP agent when it syncs or when a dead agent is replaced',
  },
  {
    key: 'dhcp_load_type',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'networks',
    choices: ['networks', 'subnets', 'ports'],
    help: "which reported counter is a DHCP agent's load for least-loaded scheduling",
  },
  {
    key: 'global_physnet_mtu',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '1500',
    min: 68,
    max: 65535,
    help: 'MTU of the underlying physical networks',
  },
  {
    key: 'max_dns_nameservers',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '5',
    min: 0,
    help: 'most DNS nameservers per subnet',
  },
  {
    key: 'max_subnet_host_routes',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '20',
    min: 0,
    help: 'most host routes per subnet',
  },
  {
    key: 'pagination_max_limit',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '-1',
    min: -1,
    help: 'largest page size (-1 = unlimited)',
  },
  {
    key: 'max_request_body_size',
    sections: ['DEFAULT', 'oslo_middleware'],
    kind: 'int',
    default: '114688',
    min: 1024,
    help: 'largest accepted request body in bytes',
  },
  {
    key: 'tenant_network_types',
    sections: ['ml2'],
    kind: 'list',
    default: 'local',
    choices: ['local', 'flat', 'vlan', 'vxlan'],
    help: 'network types for networks created without provider attributes, in order of preference',
  },
  {
    key: 'flat_networks',
    sections: ['ml2_type_flat'],
    kind: 'list',
    default: '*',
    help: 'physical networks allowed for flat networks (* = any)',
  },
  {
    key: 'network_vlan_ranges',
    sections: ['ml2_type_vlan'],
    kind: 'list',
    default: '',
    help: 'PHYSNET[:MIN:MAX] entries; ranges are used for tenant VLAN allocation',
  },
  {
    key: 'vni_ranges',
    sections: ['ml2_type_vxlan'],
    kind: 'list',
    default: '',
    help: 'MIN:MAX VXLAN VNI ranges',
  },
  { key: 'debug', sections: ['DEFAULT'], kind: 'bool', default: 'false', help: 'debug logging' },
];

const Readonly = Type.Readonly;
const Int = (min?: number, max?: number) =>
  Type.Integer({ ...(min !== undefined && { minimum: min }), ...(max !== undefined && { maximum: max }) });

/** A VLAN range of one physical network (no range: the physnet only allows provider VLANs). */
export const VlanRange = Type.Object({
  physicalNetwork: Type.String({ minLength: 1 }),
  min: Type.Optional(Int(1, 4094)),
  max: Type.Optional(Int(1, 4094)),
});
export type VlanRange = Static<typeof VlanRange>;

/** A static token of the token auth mode. */
export const TokenGrant = Type.Object({
  token: Type.String({ minLength: 1 }),
  projectId: Type.String({ minLength: 1 }),
  admin: Type.Boolean(),
});
export type TokenGrant = Static<typeof TokenGrant>;

/**
 * Resolved server configuration. The schema is also the type, and every resolved configuration is
 * checked against it (a last guard behind the per-option conversions).
 */
export const ServerConfig = Type.Object({
  bind: Type.Object({ host: Type.String({ minLength: 1 }), port: Int(0, 65535) }),
  stateDir: Type.String(),
  databaseUrl: Type.String(),
  transportUrl: Type.String(),
  authStrategy: Type.Union([Type.Literal('noauth'), Type.Literal('token')]),
  staticTokens: Readonly(Type.Array(TokenGrant)),
  baseMac: Type.String({ pattern: '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' }),
  dnsDomain: Type.String({ maxLength: 255 }),
  dhcpLeaseDuration: Int(-1),
  dhcpAgentsPerNetwork: Int(1),
  agentDownTime: Int(1),
  agentCheckInterval: Int(0),
  allowAutomaticDhcpFailover: Type.Boolean(),
  networkAutoSchedule: Type.Boolean(),
  dhcpLoadType: Type.Union([Type.Literal('networks'), Type.Literal('subnets'), Type.Literal('ports')]),
  globalPhysnetMtu: Int(68, 65535),
  maxDnsNameservers: Int(0),
  maxSubnetHostRoutes: Int(0),
  paginationMaxLimit: Int(-1),
  maxRequestBodySize: Int(1024),
  tenantNetworkTypes: Readonly(
    Type.Array(
      Type.Union([Type.Literal('local'), Type.Literal('flat'), Type.Literal('vlan'), Type.Literal('vxlan')]),
    ),
  ),
  flatNetworks: Readonly(Type.Array(Type.String())),
  networkVlanRanges: Readonly(Type.Array(VlanRange)),
  vniRanges: Readonly(Type.Array(Type.Object({ min: Int(1, 16777215), max: Int(1, 16777215) }))),
  debug: Type.Boolean(),
});
export type ServerConfig = Static<typeof ServerConfig>;

/** `key = value` pairs by section, with the line each came from. */
export type IniDocument = ReadonlyMap<string, ReadonlyMap<string, { value: string; line: number }>>;

function invalid(message: string): QdhcpError {
  return new QdhcpError('CONFIG_INVALID', { message });
}

/**
 * Parses Neutron-style INI text. Lines before any section header belong to `[DEFAULT]`; `#` and `;`
 * start comments; keys are case-sensitive like oslo.config's.
 */
export function parseIni(text: string, source = 'config'): IniDocument {
  const sections = new Map<string, Map<string, { value: string; line: number }>>();
  let current = 'DEFAULT';
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw invalid(`${source}:${index + 1}: expected "key = value" or "[section]", got "${line}"`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const section = sections.get(current) ?? new Map<string, { value: string; line: number }>();
    section.set(key, { value, line: index + 1 });
    sections.set(current, section);
  }
  return sections;
}

function convertBool(text: string, where: string): boolean {
  const lower = text.toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(lower)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(lower)) return false;
  throw invalid(`${where}: "${text}" is not a boolean`);
}

function convertInt(spec: OptionSpec, text: string, where: string): number {
  if (!/^-?\d+$/.test(text)) throw invalid(`${where}: "${text}" is not an integer`);
  const value = Number(text);
  if (spec.min !== undefined && value < spec.min)
    throw invalid(`${where}: ${value} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max)
    throw invalid(`${where}: ${value} is above the maximum ${spec.max}`);
  return value;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseVlanRanges(items: readonly string[], where: string): VlanRange[] {
  return items.map((item) => {
    const parts = item.split(':');
    if (parts.length === 1 && parts[0] !== '') return { physicalNetwork: parts[0]! };
    if (parts.length !== 3) throw invalid(`${where}: "${item}" is not PHYSNET or PHYSNET:MIN:MAX`);
    const [physicalNetwork, minText, maxText] = parts as [string, string, string];
    const min = Number(minText);
    const max = Number(maxText);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 4094 || min > max) {
      throw invalid(`${where}: "${item}" needs 1 <= MIN <= MAX <= 4094`);
    }
    return { physicalNetwork, min, max };
  });
}

function parseVniRanges(items: readonly string[], where: string): { min: number; max: number }[] {
  return items.map((item) => {
    const match = /^(\d+):(\d+)$/.exec(item);
    const min = Number(match?.[1]);
    const max = Number(match?.[2]);
    if (!match || min < 1 || max > 16777215 || min > max) {
      throw invalid(`${where}: "${item}" is not MIN:MAX with 1 <= MIN <= MAX <= 16777215`);
    }
    return { min, max };
  });
}

function parseTokens(items: readonly string[], where: string): TokenGrant[] {
  return items.map((item) => {
    const parts = item.split(':');
    const [token, projectId, role] = parts;
    if (parts.length !== 3 || !token || !projectId || (role !== 'admin' && role !== 'member')) {
      throw invalid(`${where}: "${item}" is not TOKEN:PROJECT:ROLE with ROLE admin or member`);
    }
    return { token, projectId, admin: role === 'admin' };
  });
}

/**
 * Resolves the configuration from INI text (optional) and flag values (which win). Unknown keys in the
 * file are errors, so a typo cannot silently fall back to a default.
 *
 * @param ini parsed file, if any
 * @param flags values given on the command line, keyed by option key (`dhcp_lease_duration`)
 */
export function resolveConfig(
  ini: IniDocument | undefined,
  flags: Readonly<Record<string, string | undefined>>,
  source = 'config',
): ServerConfig {
  const raw = new Map<string, { value: string; where: string }>();
  for (const spec of OPTIONS) raw.set(spec.key, { value: spec.default, where: `default of ${spec.key}` });
  if (ini) {
    for (const [section, entries] of ini) {
      for (const [key, entry] of entries) {
        const spec = OPTIONS.find((o) => o.key === key);
        const where = `${source}:${entry.line} [${section}] ${key}`;
        if (!spec) throw invalid(`${where}: unknown option`);
        if (!spec.sections.includes(section) && section !== 'DEFAULT') {
          throw invalid(`${where}: belongs in [${spec.sections.join('] or [')}]`);
        }
        raw.set(key, { value: entry.value, where });
      }
    }
  }
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const spec = OPTIONS.find((o) => o.key === key);
    if (!spec) throw invalid(`unknown option ${key}`);
    raw.set(key, { value, where: optionFlag(spec) });
  }
  const get = (key: string) => raw.get(key)!;
  const spec = (key: string) => OPTIONS.find((o) => o.key === key)!;
  const int = (key: string) => convertInt(spec(key), get(key).value, get(key).where);
  const str = (key: string) => {
    const { value, where } = get(key);
    const choices = spec(key).choices;
    if (choices && !choices.includes(value))
      throw invalid(`${where}: "${value}" is not one of ${choices.join(', ')}`);
    return value;
  };
  const list = (key: string) => {
    const { value, where } = get(key);
    const items = splitList(value);
    const choices = spec(key).choices;
    for (const item of items) {
      if (choices && !choices.includes(item))
        throw invalid(`${where}: "${item}" is not one of ${choices.join(', ')}`);
    }
    return items;
  };

  const bindText = str('bind');
  const bindMatch = /^(.+):(\d+)$/.exec(bindText);
  const port = Number(bindMatch?.[2]);
  if (!bindMatch || port > 65535) throw invalid(`${get('bind').where}: "${bindText}" is not HOST:PORT`);
  const baseMac = str('base_mac').toLowerCase();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(baseMac)) {
    throw invalid(`${get('base_mac').where}: "${baseMac}" is not a MAC address`);
  }
  const dnsDomain = str('dns_domain');
  if (!/^[A-Za-z0-9.-]*$/.test(dnsDomain) || dnsDomain.length > 255) {
    throw invalid(`${get('dns_domain').where}: "${dnsDomain}" is not a DNS domain`);
  }
  const transportUrl = str('transport_url');
  if (!/^(inprocess|amqps?):/.test(transportUrl)) {
    throw invalid(`${get('transport_url').where}: "${transportUrl}" is not inprocess:// or amqp://...`);
  }
  const databaseUrl = str('connection');
  if (databaseUrl !== '' && !/^(postgres|postgresql|sqlite):/.test(databaseUrl)) {
    throw invalid(`${get('connection').where}: "${databaseUrl}" is not sqlite:PATH or postgres://...`);
  }
  const authStrategy = str('auth_strategy') as 'noauth' | 'token';
  const staticTokens = parseTokens(list('static_tokens'), get('static_tokens').where);
  if (authStrategy === 'token' && staticTokens.length === 0) {
    throw invalid('auth_strategy = token needs at least one entry in static_tokens');
  }
  const config: ServerConfig = {
    bind: { host: bindMatch[1]!, port },
    stateDir: str('state_dir'),
    databaseUrl,
    transportUrl,
    authStrategy,
    staticTokens,
    baseMac,
    dnsDomain,
    dhcpLeaseDuration: int('dhcp_lease_duration'),
    dhcpAgentsPerNetwork: int('dhcp_agents_per_network'),
    agentDownTime: int('agent_down_time'),
    agentCheckInterval: int('agent_check_interval'),
    allowAutomaticDhcpFailover: convertBool(
      get('allow_automatic_dhcp_failover').value,
      get('allow_automatic_dhcp_failover').where,
    ),
    networkAutoSchedule: convertBool(get('network_auto_schedule').value, get('network_auto_schedule').where),
    dhcpLoadType: str('dhcp_load_type') as ServerConfig['dhcpLoadType'],
    globalPhysnetMtu: int('global_physnet_mtu'),
    maxDnsNameservers: int('max_dns_nameservers'),
    maxSubnetHostRoutes: int('max_subnet_host_routes'),
    paginationMaxLimit: int('pagination_max_limit'),
    maxRequestBodySize: int('max_request_body_size'),
    tenantNetworkTypes: list('tenant_network_types') as ServerConfig['tenantNetworkTypes'],
    flatNetworks: list('flat_networks'),
    networkVlanRanges: parseVlanRanges(list('network_vlan_ranges'), get('network_vlan_ranges').where),
    vniRanges: parseVniRanges(list('vni_ranges'), get('vni_ranges').where),
    debug: convertBool(get('debug').value, get('debug').where),
  };
  const problem = Value.Errors(ServerConfig, config).First();
  if (problem) throw invalid(`${problem.path}: ${problem.message}`);
  return config;
}

/** Reads and resolves the configuration: `file` (optional INI path) overlaid with `flags`. */
export function loadConfig(
  file: string | undefined,
  flags: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  let ini: IniDocument | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw invalid(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    ini = parseIni(text, file);
  }
  return resolveConfig(ini, flags, file);
}

/** The configuration with every default, for tests and embedding; `overrides` by option key. */
export function defaultConfig(overrides: Readonly<Record<string, string>> = {}): ServerConfig {
  return resolveConfig(undefined, overrides);
}
