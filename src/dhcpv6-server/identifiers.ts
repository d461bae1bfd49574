/**
 * The identifier checks of RFC 8415 §16 ("Message Validation"): which messages must carry a Client
 * Identifier, must carry our Server Identifier, or must carry none. A message that fails them is dropped.
 */
import { type ClientServerMessage, type Duid, findOption, sameDuid } from '../dhcpv6/index.js';
import type { Dhcpv6DropReason } from './types.js';

type Rule = 'absent' | 'ours' | 'ours-if-present';

/** What each client message must say about the server (§16.2–16.12). */
const SERVER_ID_RULE: Readonly<Record<string, Rule>> = {
  SOLICIT: 'absent',
  REQUEST: 'ours',
  CONFIRM: 'absent',
  RENEW: 'ours',
  REBIND: 'absent',
  DECLINE: 'ours',
  RELEASE: 'ours',
  'INFORMATION-REQUEST': 'ours-if-present',
};

/** undefined when the message passes, else the drop reason and detail. */
export function checkIdentifiers(
  message: ClientServerMessage,
  serverDuid: Duid,
): { readonly reason: Dhcpv6DropReason; readonly detail: string } | undefined {
  const clientId = findOption(message.options, 'client-id');
  const serverId = findOption(message.options, 'server-id');
  if (clientId === undefined && message.type !== 'INFORMATION-REQUEST') {
    return { reason: 'no-client-id', detail: `${message.type} without a Client Identifier (RFC 8415 §16)` };
  }
  switch (SERVER_ID_RULE[message.type]) {
    case 'absent':
      if (serverId !== undefined) {
        return {
          reason: 'unexpected-server-id',
          detail: `${message.type} must not carry a Server Identifier`,
        };
      }
      break;
    case 'ours':
      if (serverId === undefined) {
        return {
          reason: 'no-server-id',
          detail: `${message.type} without a Server Identifier (RFC 8415 §16)`,
        };
      }
      if (!sameDuid(serverId.duid, serverDuid))
        return { reason: 'not-for-us', detail: 'Server Identifier is not ours' };
      break;
    case 'ours-if-present':
      if (serverId !== undefined && !sameDuid(serverId.duid, serverDuid)) {
        return { reason: 'not-for-us', detail: 'Server Identifier is not ours' };
      }
  }
  if (message.type === 'INFORMATION-REQUEST') {
    const ia = message.options.find((o) => o.type === 'ia-na' || o.type === 'ia-ta' || o.type === 'ia-pd');
    if (ia !== undefined) {
      return {
        reason: 'ia-in-information-request',
        detail: `Information-Request with ${ia.type} (RFC 8415 §16.12)`,
      };
    }
  }
  return undefined;
}
