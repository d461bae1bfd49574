/**
 * Gratuitous ARP: when a router takes an address on its gateway device (a floating IP on association), its
 * neighbours learn the MAC now instead of after their cache entry for the address (maybe another host's,
 * before a move) expires. Sent from a raw AF_PACKET socket made inside the namespace by the native addon
 * (native/netns/src/packet.c), frames built by arp-frame.ts: no process per frame (an `arping` each was
 * ~0.1 s and a fork of the agent; 200 floating IPs made 1,200 of them).
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { packetOpen, packetSend } from '@qdhcp/netns';
import { type GratuitousArpKind, gratuitousArpFrame } from './arp-frame.js';
import { namespacePath } from './listening-sockets.js';

export type { GratuitousArpKind } from './arp-frame.js';

/**
 * Sends one unsolicited ARP `kind` for `address` out of `device` inside `namespace`, from the device's MAC
 * as the kernel has it now. Best effort: a failure (no such namespace or device…) is returned, not thrown
 * (forwarding works without it; caches only learn later).
 */
export function sendGratuitousArp(
  namespace: string,
  device: string,
  address: string,
  kind: GratuitousArpKind = 'request',
): Promise<{ readonly sent: boolean; readonly detail: string }> {
  let fd: number | undefined;
  try {
    const socket = packetOpen(namespacePath(namespace), device);
    fd = socket.fd;
    const frame = gratuitousArpFrame(socket.mac, address, kind);
    packetSend(fd, socket.ifindex, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    return Promise.resolve({ sent: true, detail: '' });
  } catch (error) {
    const { code, syscall, message } = error as { code?: string; syscall?: string; message?: string };
    return Promise.resolve({ sent: false, detail: `${syscall ?? ''} ${code ?? ''} ${message ?? ''}`.trim() });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
