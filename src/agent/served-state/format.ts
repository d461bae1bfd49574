/**
 * The served-state file format (issue 17, docs/agent.md "State directory"): one JSON file per served
 * network, `{formatVersion, savedAt, network}`, where `network` is the agent contract's projection with its
 * `revision` (bus/dhcp-agent-rpc.ts `AgentNetwork`), so a file is checked on load with the same schema the
 * agent checks the server's answers with. Pure.
 *
 * Versioning: `major.minor`. A reader accepts its own major with any minor (a newer minor only adds
 * optional fields, which the schema lets through); another major is incompatible and the file is skipped.
 *
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import { AgentNetwork as WireNetwork } from '../../bus/dhcp-agent-rpc.js';
import { QdhcpError } from '../../common/errors.js';
import { networkFromView } from '../reconciler/network-view.js';
import type { ServedNetwork } from '../reconciler/reconciler-types.js';

/** The version this build writes. */
export const SERVED_STATE_FORMAT_VERSION = '1.0';

const READABLE_MAJOR = '1';

/** A file read back: the network, or why it cannot be used (a coded error, never thrown). */
export type ParsedServedNetwork =
  | { readonly kind: 'ok'; readonly served: ServedNetwork }
  | { readonly kind: 'skipped'; readonly error: QdhcpError };

/** The file's text for one served network. */
export function encodeServedNetwork(served: ServedNetwork, savedAt: Date): string {
  return JSON.stringify({
    formatVersion: SERVED_STATE_FORMAT_VERSION,
    savedAt: savedAt.toISOString(),
    network: { ...served.network, revision: served.revision },
  });
}

/**
 * Reads one file's text. `file` names it in errors; `expectedId` is the network id its name says (a file
 * holding another network is unreadable: renamed or copied by hand).
 */
export function parseServedNetwork(text: string, file: string, expectedId: string): ParsedServedNetwork {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return unreadable(file, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return unreadable(file, 'not a JSON object');
  const version = 'formatVersion' in value ? value.formatVersion : undefined;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version))
    return unreadable(file, 'no formatVersion "major.minor"');
  if (version.split('.')[0] !== READABLE_MAJOR)
    return {
      kind: 'skipped',
      error: new QdhcpError('SERVED_STATE_INCOMPATIBLE', {
        file,
        version,
        supported: `${READABLE_MAJOR}.x`,
      }),
    };
  const network = 'network' in value ? value.network : undefined;
  if (!Value.Check(WireNetwork, network)) {
    const first = Value.Errors(WireNetwork, network).First();
    return unreadable(file, `network ${first?.path ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  if (network.id !== expectedId) return unreadable(file, `holds network ${network.id}`);
  return { kind: 'ok', served: networkFromView(network) };
}

function unreadable(file: string, reason: string): ParsedServedNetwork {
  return { kind: 'skipped', error: new QdhcpError('SERVED_STATE_UNREADABLE', { file, reason }) };
}
