/**
 * Relays (RFC 8415 §9, §19): a Relay-forw holds the client's message in option 9, maybe inside further
 * Relay-forws. The answer goes back wrapped in one Relay-repl per level, each with the level's hop count,
 * link and peer addresses and its Interface-Id (18) echoed (§19.3).
 */
import type { ClientServerMessage, Dhcpv6Message, Dhcpv6Option, RelayMessage } from '../dhcpv6/index.js';
import { findOption } from '../dhcpv6/index.js';

const INTERFACE_ID = 18;

/** The client message inside `message` and the relays it came through (outermost first). */
export function unwrapRelays(
  message: Dhcpv6Message,
): { readonly client: ClientServerMessage; readonly relays: RelayMessage[] } | undefined {
  const relays: RelayMessage[] = [];
  let current: Dhcpv6Message = message;
  while (current.kind === 'relay') {
    if (current.type !== 'RELAY-FORW') return undefined;
    relays.push(current);
    const inner = findOption(current.options, 'relay-message');
    if (inner === undefined) return undefined;
    current = inner.message;
  }
  return { client: current, relays };
}

/** Wraps `answer` in a Relay-repl per relay, innermost first. */
export function wrapInRelays(answer: ClientServerMessage, relays: readonly RelayMessage[]): Dhcpv6Message {
  let wrapped: Dhcpv6Message = answer;
  for (let i = relays.length - 1; i >= 0; i--) {
    const relay = relays[i]!;
    const options: Dhcpv6Option[] = relay.options.filter(
      (option) => option.type === 'unknown' && option.code === INTERFACE_ID,
    );
    options.push({ type: 'relay-message', message: wrapped });
    wrapped = {
      kind: 'relay',
      type: 'RELAY-REPL',
      hopCount: relay.hopCount,
      linkAddress: relay.linkAddress,
      peerAddress: relay.peerAddress,
      options,
    };
  }
  return wrapped;
}
