/**
 * The DHCPv6 wire codec (pure: no I/O, no logging, no clock), RFC 8415 with RFC 3646's DNS options and
 * RFC 6939's client link-layer address. See docs/dhcpv6.md.
 */
export { decodeMessage } from './decode.js';
export { isEncodableName } from './domain-names.js';
export { duidLlFromMac, macFromDuid, macText, sameDuid } from './duid.js';
export { encodeMessage } from './encode.js';
export { CLIENT_TYPES } from './message-types.js';
export { STATUS } from './option-table.js';
export { findOption, findOptions } from './options.js';
export {
  encodeRouterAdvertisement,
  type RaPrefix,
  type RouterAdvertisement,
} from './router-advertisement.js';
export type {
  ClientServerMessage,
  Dhcpv6Message,
  Dhcpv6Option,
  Duid,
  OptionOf,
  RelayMessage,
} from './types.js';
