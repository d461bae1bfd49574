import type dgram from 'node:dgram';
import { requireIpv4 } from '../../src/common/ipv4.js';
import { decodeMessage, encodeMessage } from '../../src/dhcp/index.js';
import { messageTypeCode } from '../../src/dhcp/message-type.js';
import type { DhcpMessage } from '../../src/dhcp/types.js';
import { buildRequest } from '../../src/dhcp-server/testing/requests.js';
import { bindUdpInNamespace } from '../../src/linux/namespace-sockets.js';

/** The options this prober asks for (what a client's option 55 usually holds). */
const PRL = [1, 3, 6, 15, 28, 121];

/**
 * "Servable" as the issue defines it: a client with the port's MAC gets an ACK with the port's address.
 * From one veth of a client namespace (its peer on the network's bridge) it sends DISCOVER, and once an
 * OFFER of the expected address arrives, REQUEST (selecting: server identifier and requested address from
 * the OFFER), resending every `intervalMs`, until the ACK. The broadcast flag makes both agents answer to
 * 255.255.255.255 whatever MAC the chaddr names. Timestamps share the API calls' clock (performance.now()).
 */
export class AckProber {
  private readonly waiting = new Map<number, (reply: DhcpMessage) => void>();
  private nextXid = 1 + Math.floor(Math.random() * 1_000_000);
  private closed = false;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (bytes) => {
      try {
        const reply = decodeMessage(bytes);
        if (reply.op === 'BOOTREPLY') this.waiting.get(reply.transactionId)?.(reply);
      } catch {
        // not a DHCP message we can read: ignore, as a client would
      }
    });
  }

  /** Binds 0.0.0.0:68 on `device` inside `namespace`. */
  static async open(namespace: string, device: string): Promise<AckProber> {
    const socket = await bindUdpInNamespace({
      namespace,
      address: '0.0.0.0',
      port: 68,
      broadcast: true,
      device,
    });
    return new AckProber(socket);
  }

  /** Resolves with the time of the ACK carrying `ip` for `mac`, or undefined after `timeoutMs`. */
  async untilAck(
    mac: string,
    ip: string,
    intervalMs: number,
    timeoutMs: number,
  ): Promise<number | undefined> {
    const xid = this.nextXid++ >>> 0;
    const want = requireIpv4(ip);
    const discover = encodeMessage(
      buildRequest({ type: 'DISCOVER', mac, xid, broadcast: true, parameterRequestList: PRL }),
    );
    let next = discover;
    let timer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const send = (): void => {
      // A probe still waiting when the run is torn down (Ctrl-C) must not throw on the closed socket.
      if (!this.closed) this.socket.send(next, 67, '255.255.255.255', () => undefined);
    };
    try {
      return await new Promise<number | undefined>((resolve) => {
        this.waiting.set(xid, (reply) => {
          const type = reply.options.get(53)?.[0];
          if (reply.yourIp !== want) return;
          if (type === messageTypeCode('ACK')) resolve(performance.now());
          else if (type === messageTypeCode('OFFER') && next === discover) {
            const serverId = reply.options.get(54) ?? new Uint8Array(0);
            next = encodeMessage(
              buildRequest({
                type: 'REQUEST',
                mac,
                xid,
                broadcast: true,
                requestedIp: ip,
                parameterRequestList: PRL,
                extraOptions: new Map([[54, serverId]]),
              }),
            );
            send();
          }
        });
        send();
        timer = setInterval(send, intervalMs);
        deadline = setTimeout(() => resolve(undefined), timeoutMs);
      });
    } finally {
      this.waiting.delete(xid);
      clearInterval(timer);
      clearTimeout(deadline);
    }
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}
