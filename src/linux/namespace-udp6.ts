import dgram from 'node:dgram';
import { listeningSockets } from './listening-sockets.js';
import { socketOpenFailed } from './namespace-sockets.js';

export interface Udp6InNamespaceOptions {
  readonly namespace: string;
  /** Usually `::`. */
  readonly address: string;
  readonly port: number;
  /** SO_BINDTODEVICE; also where link-local answers leave and where `joinGroup` is joined. */
  readonly device: string;
  /** A link-scope multicast group to receive, e.g. DHCPv6's All_DHCP_Relay_Agents_and_Servers ff02::1:2. */
  readonly joinGroup?: string;
}

/**
 * An IPv6-only UDP socket bound inside another network namespace (the IPv6 sibling of
 * `bindUdpInNamespace`, through the same listening-socket registry so a handover passes it on). The addon
 * joins the multicast group: the interface index is the namespace's, which Node cannot resolve from here.
 * Answers to link-local sources need no scope: the kernel takes the bound device as the outgoing interface.
 */
export async function bindUdp6InNamespace(options: Udp6InNamespaceOptions): Promise<dgram.Socket> {
  try {
    const fd = listeningSockets.acquire({
      namespace: options.namespace,
      kind: 'udp6',
      address: options.address,
      port: options.port,
      device: options.device,
      ...(options.joinGroup === undefined ? {} : { joinGroup: options.joinGroup }),
    });
    const socket = dgram.createSocket({ type: 'udp6', ipv6Only: true });
    socket.once('close', () => listeningSockets.closed(fd));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ fd }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return socket;
  } catch (error) {
    throw socketOpenFailed('udp6', options, error);
  }
}
