import type { Ipv4 } from '../common/ipv4.js';
import { CLIENT_PORT, type ReplyDestination } from './reply-destination.js';

/**
 * What sends a batch of datagrams: the shape of `BatchedUdpEndpoint.sendBatch` in
 * src/linux/udp-batch-socket.ts (one sendmmsg), stated here so that this module stays pure. Addresses are
 * IPv4 numbers as the kernel stores them (network byte order in memory); returns how many were taken.
 */
export interface BatchSink {
  sendBatch(count: number, replies: readonly Buffer[], addresses: Uint32Array, ports: Uint16Array): number;
}

const LIMITED_BROADCAST: Ipv4 = 0xffff_ffff;

/**
 * The replies of one received batch, waiting for one sendmmsg: the packet loop adds each reply as it is
 * encoded, the transport flushes once the batch is handled (and whenever the outbox is full). Destinations
 * become numbers once, here, by the rule of `replyAddress` (reply-destination.ts: relay and unicast to
 * their address, the rest to 255.255.255.255:68); no address text on the way, no object per reply.
 */
export class ReplyOutbox {
  private readonly replies: Buffer[] = [];
  private readonly addresses: Uint32Array;
  private readonly ports: Uint16Array;
  /** Writes big-endian into `addresses`: network byte order in memory whatever the host's order. */
  private readonly addressView: DataView;
  private count = 0;

  constructor(
    private readonly sink: BatchSink,
    private readonly slots: number,
    /** Replies the kernel did not take (full socket buffer), per flush. */
    private readonly onDropped: (count: number) => void,
  ) {
    this.addresses = new Uint32Array(slots);
    this.ports = new Uint16Array(slots);
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
    if (destination.kind === 'relay' || destination.kind === 'unicast') {
      address = destination.address;
      port = destination.port;
    }
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
      sent = this.sink.sendBatch(count, this.replies, this.addresses, this.ports);
    } catch {
      sent = 0; // a closed socket (EBADF): the replies are lost like any unsent datagram
    }
    // Let go of the replies' bytes now rather than at the next batch of the same size.
    for (let i = 0; i < count; i++) this.replies[i] = EMPTY;
    if (sent < count) this.onDropped(count - sent);
  }
}

const EMPTY = Buffer.alloc(0);
