import type { MessageTypeName } from './types.js';

/** Option 53 values in code order: index + 1 is the wire value (RFC 2132 §9.6). */
export const MESSAGE_TYPE_NAMES: readonly MessageTypeName[] = [
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
];

/** Wire value (1..8) → name, or `undefined` for values RFC 2132 does not define. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return MESSAGE_TYPE_NAMES[code - 1];
}

/** Name → wire value 1..8 (RFC 2132 §9.6). */
export function messageTypeCode(name: MessageTypeName): number {
  return MESSAGE_TYPE_NAMES.indexOf(name) + 1;
}
