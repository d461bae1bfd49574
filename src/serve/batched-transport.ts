import { type Ipv4, requireIpv4 } from '../common/ipv4.js';
import type { DatagramBatch } from '../dhcp-server/packet-loop.js';
import type { ReplyDestination } from '../dhcp-server/reply-destination.js';
import { SERVER_PORT } from '../dhcp-server/reply-destination.js';
import { ReplyOutbox } from '../dhcp-server/reply-outbox.js';
import { DHCP_SOCKET_HOLD_MS } from '../dhcp-server/socket-hold.js';
import {
  BATCH_SLOTS,
  type BatchedUdpEndpoint,
  OWN_NAMESPACE,
  openBatchedUdpUnregistered,
} from '../linux/udp-batch-socket.js';

/** As transport.ts asks of node:dgram: room for a burst while the loop is busy (capped by rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Callbacks of the batched transport. */
export interface BatchedTransportHandlers {
  /** The datagrams of one recvmmsg (a view valid during the call); replies sent inside go out together after it. */
  onBatch(count: number, batch: DatagramBatch): void;
  /** Replies the kernel did not take (full socket buffer) or a read error: counted by the caller. */
  onSendDropped(count: number): void;
  /**
   * Replies to clients without an address sent as broadcast because the kernel refused their neighbour
   * entry (reply-outbox.ts; yiaddr on no link of the namespace, a full neighbour table): counted.
   */
  onBroadcastInstead(count: number): void;
  onReceiveError(error: Error): void;
}

/** Where and how the sockets are opened; the defaults are serve's. */
export interface BatchedSocketOptions {
  readonly port?: number;
  /** The namespace: the process's own unless a test names another. */
  readonly netnsPath?: string;
  /** `--dhcp-hold`: polled mode's hold (socket-hold.ts). */
  readonly holdMs?: number;
}

/**
 * `qdhcp serve`'s sockets as {@link DhcpTransport} lays them out (transport.ts: a wildcard socket for
 * broadcast requests, one per interface address that receives unicast and sends every reply from that
 * address), but read with recvmmsg and written with sendmmsg by the netns addon
 * (src/linux/udp-batch-socket.ts): the loop is called once per batch with numbers for sources, and the
 * replies of a batch leave in one system call per sending socket. Against node:dgram this saves, per
 * datagram, a Buffer and an rinfo object and an event on receive, and on send the address lookup, a
 * process.nextTick and the send request object (docs/performance.md, "Issue 17, item 3").
 */
export class BatchedDhcpTransport {
  /**
   * Outboxes with replies waiting: flushed after each batch, whichever socket it came from. An array, as
   * Set#clear allocates a new table on every batch.
   */
  private readonly pending: ReplyOutbox[] = [];

  private constructor(
    private readonly endpoints: readonly BatchedUdpEndpoint[],
    private readonly bySource: ReadonlyMap<Ipv4, ReplyOutbox>,
    private readonly fallback: ReplyOutbox,
  ) {}

  /**
   * Binds the sockets. `addresses` are the served interface's IPv4 addresses (first = primary). Throws
   * `SOCKET_OPEN_FAILED` when the addon cannot open them (no CAP_SYS_ADMIN, no addon): the caller then
   * uses {@link DhcpTransport}.
   */
  static open(
    addresses: readonly string[],
    handlers: BatchedTransportHandlers,
    {
      port = SERVER_PORT,
      netnsPath = OWN_NAMESPACE,
      holdMs = DHCP_SOCKET_HOLD_MS,
    }: BatchedSocketOptions = {},
  ): BatchedDhcpTransport {
    const endpoints: BatchedUdpEndpoint[] = [];
    let transport: BatchedDhcpTransport | undefined;
    const make = (address: string): BatchedUdpEndpoint => {
      const endpoint = openBatchedUdpUnregistered({
        netnsPath,
        address,
        port,
        broadcast: true,
        receiveBufferBytes: RECEIVE_BUFFER_BYTES,
        holdMs,
      });
      endpoints.push(endpoint);
      endpoint.onBatch((count, batch) => {
        handlers.onBatch(count, batch);
        transport?.flush();
      });
      endpoint.onError((error) => handlers.onReceiveError(error));
      return endpoint;
    };
    try {
      const wildcard = make('0.0.0.0');
      const outbox = (endpoint: BatchedUdpEndpoint): ReplyOutbox =>
        new ReplyOutbox(
          endpoint,
          BATCH_SLOTS,
          (count) => handlers.onSendDropped(count),
          (count) => handlers.onBroadcastInstead(count),
        );
      const bySource = new Map<Ipv4, ReplyOutbox>();
      for (const address of addresses) bySource.set(requireIpv4(address), outbox(make(address)));
      const primary = addresses[0] === undefined ? undefined : bySource.get(requireIpv4(addresses[0]));
      transport = new BatchedDhcpTransport(endpoints, bySource, primary ?? outbox(wildcard));
      return transport;
    } catch (error) {
      for (const endpoint of endpoints) endpoint.close();
      throw error;
    }
  }

  /** Queues a reply from `sourceAddress` (the subnet's server identifier); it leaves after the batch. */
  send(bytes: Buffer, destination: ReplyDestination, sourceAddress: Ipv4): void {
    const outbox = this.bySource.get(sourceAddress) ?? this.fallback;
    // Listed when its first reply of the batch arrives: an outbox is empty only between flushes.
    if (outbox.empty) this.pending.push(outbox);
    outbox.add(bytes, destination);
  }

  private flush(): void {
    for (const outbox of this.pending) outbox.flush();
    this.pending.length = 0;
  }

  /** Closes every socket. Safe to call twice. */
  close(): void {
    for (const endpoint of this.endpoints) endpoint.close();
  }
}
