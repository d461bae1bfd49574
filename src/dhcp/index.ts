/**
 * The DHCPv4 wire codec (pure: no I/O, no logging, no clock). Everything the rest of qdhcp uses is exported
 * here; see docs/dhcp-codec.md.
 */

export { formatIpv4, type Ipv4, parseIpv4, prefixToMask } from '../common/ipv4.js';
export { decodeMessage } from './decode.js';
export { encodeMessage } from './encode.js';
export { DhcpDecodeError, DhcpEncodeError } from './errors.js';
export { type KindedOptionValue, optionByCode, optionName } from './option-table.js';
export { parseOptionText, resolveOptionCode } from './option-text.js';
export { encodeKindedValue } from './option-values.js';
export { type ClasslessRoute, routeFromText } from './routes.js';
