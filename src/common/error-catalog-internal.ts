/**
 * The codes that never reach the HTTP API as themselves: configuration, bus, agent, Linux, codecs, `qdhcp
 * serve`, probes and the CLI. Part of the one catalog in `errors.ts`; documented in docs/errors.md. If one of
 * them escapes into an API request, the HTTP edge reports `INTERNAL` (500) and logs it.
 *
 * `retryable`: true when the same operation can succeed later on its own (a broker or server away, a timeout,
 * a device or process that is not there yet); false when the same input fails the same way every time (bad
 * configuration, a network this host cannot wire, malformed bytes).
 *
 * A template that is only `{reason}` keeps the wording of the place that raises it, as it was before these
 * errors had codes: operators, scripts and tests read those messages (`qdhcp serve: --interface=IF is
 * required …`), so giving them a code did not change their text.
 *
 * @module
 */
import type { InternalErrorDefinition } from './error-definition.js';

function entry(
  layer: InternalErrorDefinition['layer'],
  retryable: boolean,
  template: string,
): InternalErrorDefinition {
  return { layer, retryable, template };
}

const RETRYABLE = true;
const PERMANENT = false;

/** Every error that does not reach the API, keyed by its stable code (never reused). */
export const INTERNAL_ERRORS = {
  // --- configuration (command line, INI files) ---------------------------------------------------------
  CONFIG_INVALID: entry('config', PERMANENT, 'Invalid configuration: {message}'),
  /** The state directory cannot be created or written (read-only mount, permissions, a file in the way). */
  STATE_DIR_UNUSABLE: entry('config', PERMANENT, 'state directory {path} is not usable: {reason}'),
  /** A programming error: an argument no caller may pass, an unreachable state. */
  INVARIANT_VIOLATED: entry('any', PERMANENT, 'internal invariant violated: {reason}'),
  // --- message bus ---------------------------------------------------------------------------------------
  BUS_URL_INVALID: entry('bus', PERMANENT, 'bad message bus URL: {reason}'),
  BUS_CONNECT_FAILED: entry('bus', RETRYABLE, 'cannot connect to the message bus at {url}: {reason}'),
  BUS_CONNECTION_LOST: entry('bus', RETRYABLE, 'connection to the message bus lost ({reason})'),
  BUS_NOT_CONNECTED: entry('bus', RETRYABLE, 'message bus not connected ({url})'),
  BUS_PUBLISH_FAILED: entry('bus', RETRYABLE, 'event not accepted by the message bus: {reason}'),
  BUS_PUBLISH_BLOCKED: entry('bus', RETRYABLE, 'message bus blocks publishing ({reason})'),
  BUS_REQUEST_FAILED: entry('bus', RETRYABLE, 'bus request {method} failed: {reason}'),
  BUS_REQUEST_TIMEOUT: entry('bus', RETRYABLE, 'bus request {method} timed out after {timeout_ms} ms'),
  /** Retryable: a server may start serving the method later (an agent started before its server). */
  BUS_NO_SERVER: entry('bus', RETRYABLE, 'no server for bus method {method}'),
  /** neutron-server raised an exception in an agent RPC call (oslo's `failure`): its class names the error. */
  NEUTRON_REMOTE_ERROR: entry('bus', RETRYABLE, 'neutron-server: {method} raised {class}: {reason}'),
  /** A call of qdhcp's agent contract that Neutron's agent RPC does not have (metadata lookups). */
  NEUTRON_UNSUPPORTED: entry('bus', PERMANENT, "{method} is not part of Neutron's agent RPC"),
  BUS_METHOD_ALREADY_SERVED: entry('bus', PERMANENT, 'bus method {method} is already served'),
  BUS_INVALID_REQUEST: entry('bus', PERMANENT, 'invalid bus request: {reason}'),
  /** Retryable: a reply from a server of another version; a restarted or upgraded server may answer. */
  BUS_INVALID_REPLY: entry('bus', RETRYABLE, 'bus request {method}: invalid reply ({reason})'),
  /** A handler failed with an error that has no code (or one this process does not know). */
  BUS_HANDLER_FAILED: entry('bus', RETRYABLE, 'bus method {method} failed: {reason}'),
  // --- DHCP agent ------------------------------------------------------------------------------------------
  NETWORK_MODEL_INVALID: entry('agent', PERMANENT, '{subject}: {reason}'),
  DEVICE_NAME_TOO_LONG: entry('agent', PERMANENT, 'device name {name} is longer than 15 bytes'),
  /** Retryable: the reconciler creates the port, then tries again (spec §4.14). */
  DHCP_PORT_MISSING: entry(
    'agent',
    RETRYABLE,
    'network {network_id} has no DHCP port with device_id {device_id}',
  ),
  DNSMASQ_START_FAILED: entry('agent', RETRYABLE, 'dnsmasq did not start: {reason}'),
  STATUS_SOCKET_TIMEOUT: entry('agent', RETRYABLE, 'no answer from {path} within {timeout_ms} ms'),
  /** The file was written by a build with another major format version (served-state/format.ts). */
  SERVED_STATE_INCOMPATIBLE: entry(
    'agent',
    PERMANENT,
    'served state {file} has format version {version}; this build reads {supported}',
  ),
  /** Torn, not JSON, not the schema: skipped; the sync with the server serves the network. */
  SERVED_STATE_UNREADABLE: entry('agent', PERMANENT, 'served state {file} is unreadable: {reason}'),
  /** Retryable: the running agent keeps serving; a later SIGHUP or `--takeover` tries again (docs/agent.md). */
  HANDOVER_FAILED: entry('agent', RETRYABLE, 'socket handover failed: {reason}'),
  /** A handover message that is not JSON or not of the protocol (src/agent/handover/messages.ts). */
  HANDOVER_MESSAGE_INVALID: entry('agent', PERMANENT, 'invalid handover message: {reason}'),
  METADATA_REQUEST_TOO_LARGE: entry('metadata', PERMANENT, 'request body over {limit} bytes'),
  METADATA_UPSTREAM_TIMEOUT: entry('metadata', RETRYABLE, 'no answer from {url} within {timeout_ms} ms'),
  // --- Linux (processes, devices, sockets) -----------------------------------------------------------------
  COMMAND_FAILED: entry('linux', RETRYABLE, '{command}: {reason}{stderr}'),
  PLUMBING_FAILED: entry('linux', RETRYABLE, '{reason}'),
  INTERFACE_LOOKUP_FAILED: entry('linux', RETRYABLE, '{reason}'),
  /** Retryable: the namespace may not exist yet, the address may be freed; `errno` names the cause. */
  SOCKET_OPEN_FAILED: entry(
    'linux',
    RETRYABLE,
    'cannot open a {kind} socket on {address}:{port} in namespace {namespace}: {errno} ({reason})',
  ),
  SOCKET_RECEIVE_FAILED: entry('linux', RETRYABLE, '{syscall} {errno}'),
  IPV4_ADDRESS_INVALID: entry('linux', PERMANENT, '{reason}: {input}'),
  // --- codecs ----------------------------------------------------------------------------------------------
  DHCP_DECODE_FAILED: entry('dhcp', PERMANENT, 'DHCP decode error at byte {offset}: {reason}'),
  DHCP_ENCODE_FAILED: entry('dhcp', PERMANENT, 'DHCP encode error: {reason}'),
  DHCPV6_DECODE_FAILED: entry('dhcp', PERMANENT, 'DHCPv6 decode error at byte {offset}: {reason}'),
  DHCPV6_ENCODE_FAILED: entry('dhcp', PERMANENT, 'DHCPv6 encode error: {reason}'),
  DNS_DECODE_FAILED: entry('dns', PERMANENT, '{kind}: {detail}'),
  DNS_ENCODE_FAILED: entry('dns', PERMANENT, 'cannot encode {what}'),
  DNS_ZONE_INVALID: entry('dns', PERMANENT, '{reason}'),
  DNS_CONFIG_INVALID: entry('dns', PERMANENT, '{reason}'),
  // --- qdhcp serve -----------------------------------------------------------------------------------------
  SERVE_CONFIG_INVALID: entry('serve', PERMANENT, '{reason}'),
  /** Retryable: the files are re-read on SIGHUP; a half-written file reads fine the next time. */
  TABLES_LOAD_FAILED: entry('serve', RETRYABLE, '{reason}'),
  // --- control plane internals -----------------------------------------------------------------------------
  AGENT_REQUEST_INVALID: entry('service', PERMANENT, '{method}: {reason}'),
  DB_FILTER_UNSUPPORTED: entry('db', PERMANENT, 'unfilterable {resource} attributes: {names}'),
  DB_MIGRATION_FAILED: entry('db', PERMANENT, 'database migration failed: {reason}'),
  IPAM_USAGE: entry('ipam', PERMANENT, '{reason}'),
  // --- operator tools --------------------------------------------------------------------------------------
  PROBE_FAILED: entry('probe', PERMANENT, '{reason}'),
  /** `http_status` says what the API answered (0: no answer). */
  PROBE_API_FAILED: entry('probe', RETRYABLE, '{reason}'),
  CLI_USAGE: entry('cli', PERMANENT, '{reason}'),
} as const satisfies Record<string, InternalErrorDefinition>;
