/**
 * Fixed offsets of the BOOTP/DHCP header (RFC 2131 §2, figure 1) and the option framing constants, shared by
 * the decoder and the encoder so they cannot disagree.
 */
export const OFFSET = {
  op: 0,
  htype: 1,
  hlen: 2,
  hops: 3,
  xid: 4,
  secs: 8,
  flags: 10,
  ciaddr: 12,
  yiaddr: 16,
  siaddr: 20,
  giaddr: 24,
  chaddr: 28,
  sname: 44,
  file: 108,
  cookie: 236,
  options: 240,
} as const;

export const CHADDR_LENGTH = 16;
export const SNAME_LENGTH = 64;
export const FILE_LENGTH = 128;
/** Header plus magic cookie: where the options field starts. */
export const HEADER_LENGTH = 240;
/** RFC 1542 §3.1: BOOTP messages are at least 300 bytes; many relays and clients drop shorter ones. */
export const MIN_MESSAGE_LENGTH = 300;
/** The magic cookie 99.130.83.99 (RFC 2131 §3, RFC 2132 §2). */
export const MAGIC_COOKIE = [99, 130, 83, 99] as const;
/**
 * RFC 2131 §2: every client accepts 576-byte IP datagrams. Option 57 and this default count the IP (20 bytes,
 * no options) and UDP (8 bytes) headers, as dnsmasq and ISC do, leaving 548 bytes for the DHCP payload.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 576;
export const IP_UDP_HEADER_LENGTH = 28;

export const OPTION_PAD = 0;
export const OPTION_END = 255;
/** Option Overload (RFC 2132 §9.3): 1 = `file` holds options, 2 = `sname`, 3 = both. */
export const OPTION_OVERLOAD = 52;
/** Relay Agent Information (RFC 3046): must be the last option before End (RFC 3046 §2.1). */
export const OPTION_RELAY_AGENT_INFO = 82;
/** One option instance carries at most 255 value bytes; longer values are split (RFC 3396 §5). */
export const MAX_INSTANCE_LENGTH = 255;
