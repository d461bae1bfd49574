/** DHCPv6 message types (RFC 8415 §7.3), the names dnsmasq logs them with, and which way each one goes. */

export const MESSAGE_TYPES = {
  1: 'SOLICIT',
  2: 'ADVERTISE',
  3: 'REQUEST',
  4: 'CONFIRM',
  5: 'RENEW',
  6: 'REBIND',
  7: 'REPLY',
  8: 'RELEASE',
  9: 'DECLINE',
  10: 'RECONFIGURE',
  11: 'INFORMATION-REQUEST',
  12: 'RELAY-FORW',
  13: 'RELAY-REPL',
} as const;

/** A message type number RFC 8415 defines. */
export type MessageTypeCode = keyof typeof MESSAGE_TYPES;
/** A message type name. */
export type MessageTypeName = (typeof MESSAGE_TYPES)[MessageTypeCode];
/** The two relay message types, whose header differs (RFC 8415 §9). */
export type RelayTypeName = 'RELAY-FORW' | 'RELAY-REPL';
/** Every other type: the client/server header, type + 3-byte transaction id (RFC 8415 §8). */
export type ClientServerTypeName = Exclude<MessageTypeName, RelayTypeName>;

const CODES = new Map<string, number>(
  Object.entries(MESSAGE_TYPES).map(([code, name]) => [name, Number(code)]),
);

/** The name of a type number, or undefined for numbers RFC 8415 does not define. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return Object.hasOwn(MESSAGE_TYPES, code) ? MESSAGE_TYPES[code as MessageTypeCode] : undefined;
}

/** The number of a type name. */
export function messageTypeCode(name: MessageTypeName): number {
  return CODES.get(name)!;
}

/** Types a client sends to a server (RFC 8415 §16 "Client Source"): what a server answers. */
export const CLIENT_TYPES: ReadonlySet<MessageTypeName> = new Set([
  'SOLICIT',
  'REQUEST',
  'CONFIRM',
  'RENEW',
  'REBIND',
  'RELEASE',
  'DECLINE',
  'INFORMATION-REQUEST',
]);
