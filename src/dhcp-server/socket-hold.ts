/**
 * How long a busy DHCP socket holds datagrams before reading them all at once (polled mode of
 * native/netns/src/udp-batch.c), for `qdhcp serve` and the builtin driver alike. At 1,000 exchanges/s a
 * wake-up per datagram cost more CPU than the replies (docs/performance.md, "Issue 17, item 3"); a hold of
 * a few ms batches several datagrams per wake-up, while DHCP clients wait seconds before they retry
 * (RFC 2131 §4.1: 4 s, then 8 s…). A lone client is answered at once: the hold starts only after two
 * wake-ups within it.
 */
export const DHCP_SOCKET_HOLD_MS = 4;
