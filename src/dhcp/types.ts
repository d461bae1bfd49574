/**
 * Value types of the DHCPv4 wire model (RFC 2131 §2, RFC 2132). Pure data; no behaviour here.
 */

import type { Ipv4 } from '../common/ipv4.js';

export type { Ipv4 } from '../common/ipv4.js';

/** DHCP message type names, option 53 values 1..8 in order (RFC 2132 §9.6). */
export type MessageTypeName =
  | 'DISCOVER'
  | 'OFFER'
  | 'REQUEST'
  | 'DECLINE'
  | 'ACK'
  | 'NAK'
  | 'RELEASE'
  | 'INFORM';

/**
 * Options by code → value bytes, in wire order of first appearance. Several instances of one code are
 * concatenated into one value (RFC 3396 §7). Pad (0), End (255) and Overload (52) are never stored: the
 * codec writes and reads them itself (RFC 2131 §4.1).
 */
export type DhcpOptions = ReadonlyMap<number, Uint8Array>;

/**
 * One DHCPv4 message: the fixed BOOTP header (RFC 2131 §2, figure 1) plus options.
 *
 * Values returned by {@link decodeMessage} share one private copy of the input bytes, so they do not change
 * if the caller reuses its receive buffer.
 */
export interface DhcpMessage {
  /** `op`: 1 = BOOTREQUEST, 2 = BOOTREPLY. */
  readonly op: 'BOOTREQUEST' | 'BOOTREPLY';
  /** `htype`: hardware address type (1 = Ethernet). */
  readonly hardwareType: number;
  /** `hlen`: hardware address length, 0..16. */
  readonly hardwareAddressLength: number;
  /** `hops`: incremented by each relay agent. */
  readonly hops: number;
  /** `xid`: transaction id, uint32. */
  readonly transactionId: number;
  /** `secs`: seconds since the client began acquisition. */
  readonly secondsElapsed: number;
  /** `flags`: bit 0x8000 = broadcast (RFC 2131 §2); the others must be zero but are kept. */
  readonly flags: number;
  /** `ciaddr`: client IP address (only when the client can answer ARP). */
  readonly clientIp: Ipv4;
  /** `yiaddr`: "your" (client) address offered or assigned by the server. */
  readonly yourIp: Ipv4;
  /** `siaddr`: next server to use in bootstrap. */
  readonly serverIp: Ipv4;
  /** `giaddr`: relay agent address. */
  readonly gatewayIp: Ipv4;
  /** `chaddr`: all 16 bytes of the client hardware address field. */
  readonly clientHardwareAddress: Uint8Array;
  /** `sname`: latin1 text up to the first NUL; `''` when the field carries options (overload). */
  readonly serverName: string;
  /** `file`: latin1 text up to the first NUL; `''` when the field carries options (overload). */
  readonly bootFileName: string;
  /** Options, see {@link DhcpOptions}. */
  readonly options: DhcpOptions;
}

/** Result of a typed read: absent and malformed are different (STYLE.md 7.2 #2). */
export type OptionRead<T> =
  | { readonly status: 'absent' }
  | { readonly status: 'malformed'; readonly reason: string }
  | { readonly status: 'ok'; readonly value: T };
