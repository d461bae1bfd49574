import type dgram from 'node:dgram';
import { decodeMessage, encodeMessage } from '../../src/dhcp/index.js';
import { BROADCAST_FLAG } from '../../src/dhcp/message.js';
import { messageTypeCode } from '../../src/dhcp/message-type.js';
import type { DhcpMessage } from '../../src/dhcp/types.js';
import { bindUdpInNamespace } from '../../src/linux/namespace-sockets.js';

/**
 * Sends DISCOVERs with a given chaddr out of one interface of a client namespace (a veth whose peer is on a
 * network's bridge) and waits for the OFFER. The broadcast flag (RFC 2131 §4.1) is set so both drivers
 * answer to 255.255.255.255:68 whatever MAC the chaddr names: our client interface does not carry it.
 * The socket is owned by this process (made in the namespace by the netns addon), so timestamps taken
 * here and around the API calls share one clock.
 */
export class DiscoverProber {
  private readonly waiting = new Map<number, (at: number) => void>();
  private nextXid = 1 + Math.floor(Math.random() * 1_000_000);

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (bytes) => {
      try {
        const reply = decodeMessage(bytes);
        if (reply.op !== 'BOOTREPLY' || reply.options.get(53)?.[0] !== messageTypeCode('OFFER')) return;
        const resolve = this.waiting.get(reply.transactionId);
        if (resolve !== undefined) {
          this.waiting.delete(reply.transactionId);
          resolve(performance.now());
        }
      } catch {
        // not a DHCP message we can read: ignore, as a client would
      }
    });
  }

  /** Binds 0.0.0.0:68 on `device` inside `namespace`. */
  static async open(namespace: string, device: string): Promise<DiscoverProber> {
    const socket = await bindUdpInNamespace({
      namespace,
      address: '0.0.0.0',
      port: 68,
      broadcast: true,
      device,
    });
    return new DiscoverProber(socket);
  }

  /**
   * Sends a DISCOVER for `mac` every `intervalMs` until an OFFER for it arrives or `timeoutMs` passes.
   * Resolves with the time of the OFFER (performance.now()) or undefined on timeout.
   */
  async untilOffer(mac: string, intervalMs: number, timeoutMs: number): Promise<number | undefined> {
    const xid = this.nextXid++ >>> 0;
    const packet = encodeMessage(discover(mac, xid));
    let timer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    try {
      return await new Promise<number | undefined>((resolve) => {
        this.waiting.set(xid, resolve);
        const send = (): void => this.socket.send(packet, 67, '255.255.255.255', () => undefined);
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
    this.socket.close();
  }
}

function discover(mac: string, xid: number): DhcpMessage {
  const chaddr = new Uint8Array(16);
  mac.split(':').forEach((octet, i) => {
    chaddr[i] = Number.parseInt(octet, 16);
  });
  return {
    op: 'BOOTREQUEST',
    hardwareType: 1,
    hardwareAddressLength: 6,
    hops: 0,
    transactionId: xid,
    secondsElapsed: 0,
    flags: BROADCAST_FLAG,
    clientIp: 0,
    yourIp: 0,
    serverIp: 0,
    gatewayIp: 0,
    clientHardwareAddress: chaddr,
    serverName: '',
    bootFileName: '',
    options: new Map([
      [53, Uint8Array.of(messageTypeCode('DISCOVER'))],
      [55, Uint8Array.of(1, 3, 6, 15, 28, 121)],
    ]),
  };
}
