import type { Ipv4 } from '../common/ipv4.js';
import { writeMacBytes } from './mac-numbers.js';
import { CLIENT_PORT, type ReplyDestination } from './reply-destination.js';

/**
 * What sends a batch of datagrams: the shape of `BatchedUdpEndpoint.sendBatch` in
 * src/linux/udp-batch-socket.ts (one sendmmsg), stated here so that this module stays pure. Addresses are
 * IPv4 numbers as the kernel stores them (network byte order in memory); returns how many were taken.
 * `neighbours[i]` = {@link NEIGHBOUR_SET} asks the sink to set the neighbour entry address → `hardware`'s
 * 6 octets at 6i before sending (a client without an address cannot answer ARP); the sink writes
 * {@link NEIGHBOUR_BROADCAST} there when it sent to 255.255.255.255 instead.
 */
export interface BatchSink {
  sendBatch(
    count: number,
    replies: readonly Buffer[],
    addresses: Uint32Array,
    ports: Uint16Array,
    neighbours: Uint8Array,
    hardware: Uint8Array,
  ): number;
}

/** `neighbours[i]` values; the addon's (native/netns/src/udp-batch.h, checked by udp-batch-neighbour.test.ts). */
export const NEIGHBOUR_NONE = 0;
export const NEIGHBOUR_SET = 1;
export const NEIGHBOUR_BROADCAST = 2;

const LIMITED_BROADCAST: Ipv4 = 0xffff_ffff;
const MAC_OCTETS = 6;

/**
 * The replies of one received batch, waiting for one sendmmsg: the packet loop adds each reply as it is
 * encoded, the transport flushes once the batch is handled (and whenever the outbox is full). Destinations
 * become numbers once, here: relay and unicast to their address, broadcast to 255.255.255.255:68, and
 * `unicast-to-hardware` (a client without an address) to yiaddr with its MAC for the sink's neighbour entry,
 * as dnsmasq does, so that the reply reaches that client only and not every client on the link
 * (docs/dhcp-engine.md "Reply destinations"); no address text on the way, no object per reply.
 */
export class ReplyOutbox {
  private readonly replies: Buffer[] = [];
  private readonly addresses: Uint32Array;
  private readonly ports: Uint16Array;
  private readonly neighbours: Uint8Array;
  private readonly hardware: Uint8Array;
  /** Writes big-endian into `addresses`: network byte order in memory whatever the host's order. */
  private readonly addressView: DataView;
  private count = 0;

  constructor(
    private readonly sink: BatchSink,
    private readonly slots: number,
    /** Replies the kernel did not take (full socket buffer), per flush. */
    private readonly onDropped: (count: number) => void,
    /** Replies to clients without an address broadcast because the neighbour entry was refused, per flush. */
    private readonly onBroadcastInstead: (count: number) => void = () => undefined,
  ) {
    this.addresses = new Uint32Array(slots);
    this.ports = new Uint16Array(slots);
    this.neighbours = new Uint8Array(slots);
    this.hardware = new Uint8Array(slots * MAC_OCTETS);
    this.addressView = new DataView(this.addresses.buffer);
  }

  /** True when nothing waits to be sent. */
  get empty(): boolean {
    return this.count === 0;
  }

  /** Queues `bytes` for `destination` (flushing first when full). */
  add(bytes: Buffer, destination: ReplyDestination): void {
    if (this.count === this.slots) this.flush();
    const index = this.count;
    let address: Ipv4 = LIMITED_BROADCAST;
    let port: number = CLIENT_PORT;
    let neighbour = NEIGHBOUR_NONE;
    if (destination.kind === 'relay' || destination.kind === 'unicast') {
      address = destination.address;
      port = destination.port;
    } else if (
      destination.kind === 'unicast-to-hardware' &&
      // Anything but 6 octets (another chaddr length) is broadcast: an Ethernet neighbour entry needs 6.
      writeMacBytes(destination.hardwareAddress, this.hardware, index * MAC_OCTETS)
    ) {
      address = destination.address;
      neighbour = NEIGHBOUR_SET;
    }
    this.neighbours[index] = neighbour;
    this.replies[index] = bytes;
    this.addressView.setUint32(index * 4, address, false);
    this.ports[index] = port;
    this.count = index + 1;
  }

  /** Sends what is queued with one call to the sink. */
  flush(): void {
    const count = this.count;
    if (count === 0) return;
    this.count = 0;
    let sent: number;
    try {
      sent = this.sink.sendBatch(
        count,
        this.replies,
        this.addresses,
        this.ports,
        this.neighbours,
        this.hardware,
      );
    } catch {
      sent = 0; // a closed socket (EBADF): the replies are lost like any unsent datagram
    }
    // Let go of the replies' bytes now rather than at the next batch of the same size.
    let broadcastInstead = 0;
    for (let i = 0; i < count; i++) {
      this.replies[i] = EMPTY;
      if (this.neighbours[i] === NEIGHBOUR_BROADCAST) broadcastInstead++;
    }
    if (sent < count) this.onDropped(count - sent);
    if (broadcastInstead > 0) this.onBroadcastInstead(broadcastInstead);
  }
}

const EMPTY = Buffer.alloc(0);
