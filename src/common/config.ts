/**
 * Server configuration: the server's option table (config-server-options.ts) resolved from an INI file
 * like Neutron's plus command-line flags that win over the file (config-options.ts), then the
 * cross-option rules and the typed {@link ServerConfig}.
 *
 * @module
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type IniDocument, readIniFile } from './config-ini.js';
import {
  checkDnsDomain,
  configInvalid,
  type OptionFlags,
  parseHostPort,
  resolveOptions,
} from './config-options.js';
import { SERVER_OPTIONS } from './config-server-options.js';

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
  quotaSecurityGroup: Int(-1),
  quotaSecurityGroupRule: Int(-1),
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

function parseVlanRanges(items: readonly string[], where: string): VlanRange[] {
  return items.map((item) => {
    const parts = item.split(':');
    if (parts.length === 1 && parts[0] !== '') return { physicalNetwork: parts[0]! };
    if (parts.length !== 3) throw configInvalid(`${where}: "${item}" is not PHYSNET or PHYSNET:MIN:MAX`);
    const [physicalNetwork, minText, maxText] = parts as [string, string, string];
    const min = Number(minText);
    const max = Number(maxText);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 4094 || min > max) {
      throw configInvalid(`${where}: "${item}" needs 1 <= MIN <= MAX <= 4094`);
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
      throw configInvalid(`${where}: "${item}" is not MIN:MAX with 1 <= MIN <= MAX <= 16777215`);
    }
    return { min, max };
  });
}

function parseTokens(items: readonly string[], where: string): TokenGrant[] {
  return items.map((item) => {
    const parts = item.split(':');
    const [token, projectId, role] = parts;
    if (parts.length !== 3 || !token || !projectId || (role !== 'admin' && role !== 'member')) {
      throw configInvalid(`${where}: "${item}" is not TOKEN:PROJECT:ROLE with ROLE admin or member`);
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
  flags: OptionFlags,
  source = 'config',
): ServerConfig {
  const options = resolveOptions(SERVER_OPTIONS, ini, flags, source);
  const { get, str, int, bool, list } = options;

  const bind = parseHostPort(str('bind'), get('bind').where);
  const baseMac = str('base_mac').toLowerCase();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(baseMac)) {
    throw configInvalid(`${get('base_mac').where}: "${baseMac}" is not a MAC address`);
  }
  const dnsDomain = checkDnsDomain(str('dns_domain'), get('dns_domain').where);
  const transportUrl = str('transport_url');
  if (!/^(inprocess|amqps?):/.test(transportUrl)) {
    throw configInvalid(`${get('transport_url').where}: "${transportUrl}" is not inprocess:// or amqp://...`);
  }
  const databaseUrl = str('connection');
  if (databaseUrl !== '' && !/^(postgres|postgresql|sqlite):/.test(databaseUrl)) {
    throw configInvalid(`${get('connection').where}: "${databaseUrl}" is not sqlite:PATH or postgres://...`);
  }
  const authStrategy = str('auth_strategy') as 'noauth' | 'token';
  const staticTokens = parseTokens(list('static_tokens'), get('static_tokens').where);
  if (authStrategy === 'token' && staticTokens.length === 0) {
    throw configInvalid('auth_strategy = token needs at least one entry in static_tokens');
  }
  const config: ServerConfig = {
    bind,
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
    allowAutomaticDhcpFailover: bool('allow_automatic_dhcp_failover'),
    networkAutoSchedule: bool('network_auto_schedule'),
    dhcpLoadType: str('dhcp_load_type') as ServerConfig['dhcpLoadType'],
    globalPhysnetMtu: int('global_physnet_mtu'),
    maxDnsNameservers: int('max_dns_nameservers'),
    maxSubnetHostRoutes: int('max_subnet_host_routes'),
    paginationMaxLimit: int('pagination_max_limit'),
    quotaSecurityGroup: int('quota_security_group'),
    quotaSecurityGroupRule: int('quota_security_group_rule'),
    maxRequestBodySize: int('max_request_body_size'),
    tenantNetworkTypes: list('tenant_network_types') as ServerConfig['tenantNetworkTypes'],
    flatNetworks: list('flat_networks'),
    networkVlanRanges: parseVlanRanges(list('network_vlan_ranges'), get('network_vlan_ranges').where),
    vniRanges: parseVniRanges(list('vni_ranges'), get('vni_ranges').where),
    debug: bool('debug'),
  };
  const problem = Value.Errors(ServerConfig, config).First();
  if (problem) throw configInvalid(`${problem.path}: ${problem.message}`);
  return config;
}

/** Reads and resolves the configuration: `file` (optional INI path) overlaid with `flags`. */
export function loadConfig(file: string | undefined, flags: OptionFlags): ServerConfig {
  return resolveConfig(readIniFile(file), flags, file);
}

/**
 * The configuration with every default, for tests and embedding; `overrides` by option key.
 *
 * @internal
 */
export function defaultConfig(overrides: Readonly<Record<string, string>> = {}): ServerConfig {
  return resolveConfig(undefined, overrides);
}
