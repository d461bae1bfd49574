/**
 * Gratuitous ARP frames (RFC 826's packet, RFC 5227 §3's announcement), built byte by byte for the raw
 * AF_PACKET socket of native/netns/src/packet.c: Ethernet broadcast, sender and target protocol address both
 * the announced address. A request carries a zero target MAC (as the kernel's own announcements do); a
 * reply carries the broadcast MAC (as iputils' `arping -A`). Padded to Ethernet's 60-byte minimum. Pure.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { requireIpv4, writeIpv4 } from '../common/ipv4.js';

/** Whether the frame is an ARP request or reply (some peers honour only one: Neutron sends both). */
export type GratuitousArpKind = 'request' | 'reply';

/** Ethernet header (14) + ARP for IPv4 over Ethernet (28), zero-padded to 60 (the minimum without FCS). */
export const ARP_FRAME_LENGTH = 60;
const ETHERTYPE_ARP = 0x0806;
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** The gratuitous ARP frame announcing that `address` (dotted IPv4) is at `mac` (6 bytes). */
export function gratuitousArpFrame(mac: Uint8Array, address: string, kind: GratuitousArpKind): Uint8Array {
  if (mac.length !== 6)
    throw new QdhcpError('PLUMBING_FAILED', { reason: `a MAC address has 6 bytes, not ${mac.length}` });
  const ip = requireIpv4(address);
  const frame = new Uint8Array(ARP_FRAME_LENGTH);
  const view = new DataView(frame.buffer);
  frame.set(BROADCAST, 0); // destination
  frame.set(mac, 6); // source
  view.setUint16(12, ETHERTYPE_ARP);
  view.setUint16(14, 1); // hardware type: Ethernet
  view.setUint16(16, 0x0800); // protocol type: IPv4
  frame[18] = 6; // hardware address length
  frame[19] = 4; // protocol address length
  view.setUint16(20, kind === 'request' ? 1 : 2); // operation
  frame.set(mac, 22); // sender hardware address
  writeIpv4(frame, 28, ip); // sender protocol address
  if (kind === 'reply') frame.set(BROADCAST, 32); // target hardware address (zero in a request)
  writeIpv4(frame, 38, ip); // target protocol address
  return frame;
}
