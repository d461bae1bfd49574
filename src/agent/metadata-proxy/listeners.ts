import type net from 'node:net';
import { listenRawTcpInNamespace, type RawTcpListener } from '../../linux/tcp-accept-socket.js';

/**
 * Where the metadata proxy listens in a DHCP namespace: 169.254.169.254:80 and, with IPv6,
 * [fe80::a9fe:a9fe%device]:80 (issue 15).
 *
 * @module
 */

/** The metadata address and port (spec §6). */
export const METADATA_ADDRESS = '169.254.169.254';
export const METADATA_PORT = 80;
/**
 * The IPv6 metadata address (issue 15, Neutron's since Wallaby): link-local, so one listener per interface,
 * added without duplicate address detection so that every agent of a network answers on it.
 */
export const METADATA_ADDRESS_IPV6 = 'fe80::a9fe:a9fe';

/**
 * Opens the listening socket of one network (default: 169.254.169.254:80 inside its namespace): a
 * `net.Server` whose connections reach `onConnection`, or a {@link RawTcpListener}, whose connections the
 * addon accepts and the proxy serves without a `net.Socket` each (the agent's listeners, issue 17 item 2).
 */
export type ListenerFactory = (
  namespace: string,
  onConnection: (socket: net.Socket) => void,
) => Promise<net.Server | RawTcpListener>;

/** The listener in the DHCP namespace, opened by the agent process through the netns addon. */
export const listenInNamespace: ListenerFactory = async (namespace) =>
  listenRawTcpInNamespace(
    // freeBind: the address may be added by the plumbing a moment later (it is there after enable).
    { namespace, address: METADATA_ADDRESS, port: METADATA_PORT, freeBind: true, backlog: 1024 },
  );

/**
 * The IPv6 listener in the DHCP namespace: `[fe80::a9fe:a9fe%device]:80`. A link-local address is bound
 * through its interface (SO_BINDTODEVICE gives the bind its scope), so `device` is the DHCP port's device.
 */
export function listenIpv6InNamespace(device: string): ListenerFactory {
  return async (namespace) =>
    listenRawTcpInNamespace({
      namespace,
      address: METADATA_ADDRESS_IPV6,
      port: METADATA_PORT,
      device,
      freeBind: true,
      backlog: 1024,
    });
}
