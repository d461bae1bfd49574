/**
 * The DHCPv4 wire codec (pure: no I/O, no logging, no clock). Everything the rest of qdhcp uses is exported
 * here; see docs/dhcp-codec.md.
 */

export {
  formatIpv4,
  type Ipv4,
  type Ipv4Text,
  inSubnet,
  maskToPrefix,
  parseIpv4,
  prefixToMask,
  readIpv4,
  requireIpv4,
  writeIpv4,
} from '../common/ipv4.js';
export { decodeMessage } from './decode.js';
export { decodeDomainList, encodeDomainList } from './domain-list.js';
export { type EncodeOptions, encodeMessage } from './encode.js';
export { DhcpDecodeError, DhcpEncodeError } from './errors.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  IP_UDP_HEADER_LENGTH,
  MIN_MESSAGE_LENGTH,
  OPTION_OVERLOAD,
  OPTION_RELAY_AGENT_INFO,
} from './layout.js';
export { BROADCAST_FLAG, hardwareAddressText, isBroadcastFlagSet } from './message.js';
export { MESSAGE_TYPE_NAMES, messageTypeCode, messageTypeName } from './message-type.js';
export {
  type KindedOptionValue,
  type KnownOptionCode,
  OPTION_TABLE,
  type OptionDefinition,
  type OptionKind,
  type OptionKindValues,
  type OptionTextRule,
  type OptionValue,
  optionByCode,
  optionByName,
  optionName,
  type RelaySubOption,
} from './option-table.js';
export { parseOptionText, resolveOptionCode } from './option-text.js';
export {
  decodeOptionValue,
  encodeKindedValue,
  encodeOption,
  encodeOptionValue,
  readOption,
} from './option-values.js';
export { type ClasslessRoute, decodeRoutes, encodeRoutes, routeFromText } from './routes.js';
export type { DhcpMessage, DhcpOptions, MessageTypeName, OptionRead } from './types.js';
