/**
 * The agent options for running beside a real neutron-server (issue 16): where the metadata proxy sends
 * requests (Neutron's `metadata_agent.ini` names) and who owns L2 on the host. One block of the agent's
 * table (`agent-config.ts` spreads it), resolved here.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configInvalid as invalid, type OptionSpec, type OptionValues } from '../../common/config-options.js';
import type { NovaTls } from '../../metadata/nova-http.js';
import { L2_OWNERS, type L2Owner } from '../plumbing-settings.js';

/** Neutron's option names where Neutron has the option. */
export const NEUTRON_DATAPLANE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'metadata_proxy_socket',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: "neutron-metadata-agent's UNIX socket for metadata_backend = neutron-agent (default: STATE_DIR/metadata_proxy)",
  },
  {
    key: 'nova_metadata_host',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'Nova metadata host; when set, the Nova URL is nova_metadata_protocol://host:nova_metadata_port',
  },
  {
    key: 'nova_metadata_port',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '8775',
    min: 1,
    max: 65535,
    help: 'Nova metadata port (with nova_metadata_host)',
  },
  {
    key: 'nova_metadata_protocol',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'http',
    choices: ['http', 'https'],
    help: 'Nova metadata protocol (with nova_metadata_host)',
  },
  {
    key: 'auth_ca_cert',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: "CA certificate file (PEM) Nova's https metadata API is verified against (default: the system's CAs)",
  },
  {
    key: 'nova_metadata_insecure',
    sections: ['DEFAULT'],
    kind: 'bool',
    default: 'false',
    help: "do not verify Nova's https certificate",
  },
  {
    key: 'nova_client_cert',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'client certificate file (PEM) presented to Nova over https (with nova_client_priv_key)',
  },
  {
    key: 'nova_client_priv_key',
    sections: ['DEFAULT'],
    kind: 'string',
    default: '',
    help: 'private key file (PEM) of nova_client_cert',
  },
  {
    key: 'l2_owner',
    sections: ['DEFAULT'],
    kind: 'string',
    default: 'qdhcp',
    choices: [...L2_OWNERS],
    help: "who makes bridges and uplinks and plugs the DHCP tap: qdhcp, or Neutron's linuxbridge agent (neutron-linuxbridge: qdhcp makes only namespaces and veths)",
  },
];

/** The resolved values of {@link NEUTRON_DATAPLANE_OPTIONS} (and the Nova URL they decide). */
export interface NeutronDataplaneConfig {
  /** `http(s)://host:port` of Nova's metadata API: `nova_metadata_url`, or built from `nova_metadata_host`. */
  readonly novaMetadataUrl: string;
  /** TLS to Nova when its URL is `https` (files read at start-up); undefined for `http`. */
  readonly novaTls: NovaTls | undefined;
  /** `metadata_proxy_socket`: neutron-metadata-agent's UNIX socket (metadata_backend = neutron-agent). */
  readonly metadataProxySocket: string;
  /** `l2_owner` (plumbing-settings.ts `PlumbingSettings.l2Owner`). */
  readonly l2Owner: L2Owner;
}

export function resolveNeutronDataplane(options: OptionValues): NeutronDataplaneConfig {
  const { str } = options;
  const url = novaMetadataUrl(options);
  return {
    novaMetadataUrl: url,
    novaTls: url.startsWith('https:') ? novaTls(options) : undefined,
    metadataProxySocket: str('metadata_proxy_socket') || join(str('state_dir'), 'metadata_proxy'),
    l2Owner: str('l2_owner') as L2Owner,
  };
}

/**
 * Nova's metadata URL: Neutron's `nova_metadata_protocol://nova_metadata_host:nova_metadata_port` when the
 * host is set, else `nova_metadata_url` (qdhcp's older single option); both at once is ambiguous.
 */
function novaMetadataUrl({ get, str, int }: OptionValues): string {
  const host = str('nova_metadata_host');
  const url = str('nova_metadata_url');
  // Checked even when unused, so a typo is an error now rather than when nova_metadata_host is set later.
  const protocol = str('nova_metadata_protocol');
  const port = int('nova_metadata_port');
  if (host === '') {
    if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(url))
      throw invalid(`${get('nova_metadata_url').where}: "${url}" is not an http(s) URL`);
    return url;
  }
  if (!get('nova_metadata_url').where.startsWith('default of'))
    throw invalid(
      `${get('nova_metadata_host').where}: set nova_metadata_host or nova_metadata_url, not both`,
    );
  if (!/^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9.-]+)$/.test(host))
    throw invalid(`${get('nova_metadata_host').where}: "${host}" is not a host name or address`);
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}://${bracketed}:${port}`;
}

/**
 * Neutron's TLS options for Nova, their files read now so a missing or unreadable one fails the start
 * rather than the first metadata request. As in Neutron, `auth_ca_cert` is not used when
 * `nova_metadata_insecure` is set; a client certificate without its key (or the reverse), which Neutron
 * quietly ignores, is refused.
 */
function novaTls({ get, str, bool }: OptionValues): NovaTls {
  const insecure = bool('nova_metadata_insecure');
  const pem = (key: string): string | undefined => {
    const path = str(key);
    if (path === '') return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw invalid(`${get(key).where}: cannot read "${path}": ${(error as Error).message}`);
    }
  };
  const ca = insecure ? undefined : pem('auth_ca_cert');
  const cert = pem('nova_client_cert');
  const key = pem('nova_client_priv_key');
  if ((cert === undefined) !== (key === undefined))
    throw invalid(
      `${get(cert === undefined ? 'nova_client_priv_key' : 'nova_client_cert').where}: set nova_client_cert and nova_client_priv_key together`,
    );
  return {
    insecure,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined || key === undefined ? {} : { client: { cert, key } }),
  };
}
