/**
 * `qdhcp agent --neutron --config-file neutron.conf --config-file dhcp_agent.ini`: the agent configured from
 * Neutron's own files (issue 16). The options qdhcp shares with Neutron are read under Neutron's names
 * (`transport_url`, `host`, `[AGENT] report_interval`, `enable_isolated_metadata`, `force_metadata`,
 * `dnsmasq_dns_servers`, `dns_domain`/`dhcp_domain`, `num_sync_threads`, `resync_interval` (Neutron's
 * meaning: the delay before a failed sync is retried; qdhcp's periodic full resync is
 * `qdhcp_resync_interval` here),
 * `rpc_response_timeout`, `control_exchange`, `dhcp_lease_duration` …); Neutron's options qdhcp has no use
 * for are not errors here (the files hold the server's and other agents' options too): they are returned,
 * for one log line. qdhcp's own keys may be added to the same files.
 *
 * Two Neutron options change meaning: `dhcp_driver` names a Python class in Neutron (ignored, with a
 * warning; qdhcp's driver is `qdhcp_driver = builtin|dnsmasq`), and `interface_driver` must be the Linux
 * bridge one (qdhcp plugs DHCP ports the way its `BridgeInterfaceDriver` does).
 *
 * @module
 */
import type { IniDocument } from '../../common/config-ini.js';
import { readIniFile } from '../../common/config-ini.js';
import { configInvalid, type OptionFlags } from '../../common/config-options.js';
import { AGENT_OPTIONS, type AgentConfig, resolveAgentConfig } from './agent-config.js';

/** `interface_driver` values that mean the Linux bridge driver. */
const LINUXBRIDGE_DRIVERS = new Set(['linuxbridge', 'neutron.agent.linux.interface.BridgeInterfaceDriver']);

/** The agent configuration, and what the files said that qdhcp does not use. */
export interface NeutronAgentConfig {
  readonly config: AgentConfig;
  /** `[section] key` of every option read and not used. */
  readonly ignored: readonly string[];
  /** Options whose Neutron value qdhcp cannot honour (logged as warnings). */
  readonly warnings: readonly string[];
}

type Entry = { value: string; line: number };

/** Settings whose value under Neutron differs from qdhcp's own default (applied when the option exists). */
const NEUTRON_MODE_DEFAULTS: ReadonlyArray<readonly [string, string]> = [
  ['l2_owner', 'neutron-linuxbridge'],
  ['metadata_backend', 'neutron-agent'],
];

/** The files in order, later ones winning (oslo.config's rule); section names compared without case. */
function merge(documents: readonly IniDocument[]): Map<string, Map<string, Entry>> {
  const merged = new Map<string, Map<string, Entry>>();
  for (const document of documents) {
    for (const [section, entries] of document) {
      const name = section === 'DEFAULT' ? section : section.toLowerCase();
      const target = merged.get(name) ?? new Map<string, Entry>();
      for (const [key, entry] of entries) target.set(key, entry);
      merged.set(name, target);
    }
  }
  return merged;
}

/**
 * Resolves the agent configuration from Neutron's files (`files`, in order) and flags (which win).
 * Throws `CONFIG_INVALID` for a value qdhcp cannot run with (another interface driver, a bad value of an
 * option it uses).
 */
export function resolveNeutronAgentConfig(
  documents: readonly IniDocument[],
  flags: OptionFlags,
  source = 'neutron config',
): NeutronAgentConfig {
  const specs = new Map(AGENT_OPTIONS.map((spec) => [spec.key, spec]));
  const kept = new Map<string, Map<string, Entry>>();
  const keep = (section: string, key: string, entry: Entry) => {
    const target = kept.get(section) ?? new Map<string, Entry>();
    target.set(key, entry);
    kept.set(section, target);
  };
  const ignored: string[] = [];
  let retryDelay: Entry | undefined;
  const warnings: string[] = [];
  const merged = merge(documents);
  const defaults = merged.get('DEFAULT') ?? new Map<string, Entry>();
  for (const [section, entries] of merged) {
    for (const [key, entry] of entries) {
      if (section === 'DEFAULT' && key === 'dhcp_driver') {
        if (entry.value === 'builtin' || entry.value === 'dnsmasq') keep('DEFAULT', key, entry);
        else
          warnings.push(
            `dhcp_driver = ${entry.value} is Neutron's driver class: ignored (qdhcp_driver chooses builtin or dnsmasq)`,
          );
        continue;
      }
      if (section === 'DEFAULT' && key === 'qdhcp_driver') {
        keep('DEFAULT', 'dhcp_driver', entry);
        continue;
      }
      if (section === 'DEFAULT' && key === 'interface_driver') {
        if (!LINUXBRIDGE_DRIVERS.has(entry.value))
          throw configInvalid(
            `${source}:${entry.line} [DEFAULT] interface_driver = ${entry.value}: qdhcp plugs DHCP ports like Neutron's linuxbridge interface driver only (interface_driver = linuxbridge)`,
          );
        continue;
      }
      if (section === 'DEFAULT' && key === 'dhcp_domain') {
        // Neutron's deprecated name of dns_domain; dns_domain wins when both are given.
        if (!defaults.has('dns_domain')) keep('DEFAULT', 'dns_domain', entry);
        continue;
      }
      if (section === 'DEFAULT' && key === 'resync_interval') {
        // Neutron's resync_interval is the delay before a failed sync is tried again (its agent has no
        // periodic full sync): the reconciler's retry delay. qdhcp's periodic resync: qdhcp_resync_interval.
        retryDelay = { ...entry };
        continue;
      }
      if (section === 'DEFAULT' && key === 'qdhcp_resync_interval') {
        keep('DEFAULT', 'resync_interval', entry);
        continue;
      }
      if (section === 'DEFAULT' && key === 'state_path') {
        if (!defaults.has('state_dir'))
          keep('DEFAULT', 'state_dir', { ...entry, value: `${entry.value}/qdhcp` });
        continue;
      }
      const spec = specs.get(key);
      const home = spec?.sections.find((name) => name.toLowerCase() === section.toLowerCase());
      if (spec !== undefined && (home !== undefined || section === 'DEFAULT'))
        keep(home ?? 'DEFAULT', key, entry);
      else ignored.push(`[${section}] ${key}`);
    }
  }
  // Neutron's default: no metadata proxy on isolated subnets unless asked (qdhcp's own default is on).
  if (!defaults.has('enable_isolated_metadata'))
    keep('DEFAULT', 'enable_isolated_metadata', { value: 'false', line: 0 });
  // Neutron's division of labour, when this build has the settings (the plumbing and metadata modes):
  // its linuxbridge agent owns bridges and uplinks, neutron-metadata-agent answers metadata.
  for (const [key, value] of NEUTRON_MODE_DEFAULTS) {
    if (specs.get(key)?.choices?.includes(value) === true && !defaults.has(key))
      keep('DEFAULT', key, { value, line: 0 });
  }
  const config = resolveAgentConfig(kept, { ...flags, rpc: 'neutron' }, source);
  if (retryDelay === undefined) return { config, ignored, warnings };
  const seconds = Number(retryDelay.value);
  if (!/^\d+$/.test(retryDelay.value) || seconds < 1)
    throw configInvalid(
      `${source}:${retryDelay.line} [DEFAULT] resync_interval: "${retryDelay.value}" is not a positive integer`,
    );
  return { config: { ...config, retryDelaySeconds: seconds }, ignored, warnings };
}

/** Reads Neutron's files (`--config-file`, in order) and resolves them with `flags`. */
export function loadNeutronAgentConfig(files: readonly string[], flags: OptionFlags): NeutronAgentConfig {
  const documents = files.map((file) => readIniFile(file)).filter((document) => document !== undefined);
  return resolveNeutronAgentConfig(documents, flags, files.join(' + ') || 'flags');
}
