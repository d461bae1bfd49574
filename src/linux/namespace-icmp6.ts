import { icmp6Open, icmp6Send, icmp6Unwatch, icmp6Watch } from '@qdhcp/netns';
import { namespacePath } from './listening-sockets.js';
import { socketOpenFailed } from './namespace-sockets.js';

/** A raw ICMPv6 socket on one device of a namespace, for router advertisements. */
export interface Icmp6Endpoint {
  /** Sends one ICMPv6 message to `destination` (link-local or multicast) through the device. */
  send(message: Uint8Array, destination: string): void;
  close(): void;
}

/**
 * Opens the raw ICMPv6 socket of a DHCP namespace's device (native/netns/src/icmp6.c: hop limit 255, joined
 * to ff02::2, Router Solicitations only) and calls `onSolicitation` with the source of each one. Not part
 * of the handover registry: nothing is queued on it that a successor would lose (a host solicits again).
 */
export function openIcmp6InNamespace(
  namespace: string,
  device: string,
  onSolicitation: (source: string) => void,
): Icmp6Endpoint {
  let opened: ReturnType<typeof icmp6Open>;
  try {
    opened = icmp6Open(namespacePath(namespace), device);
  } catch (error) {
    throw socketOpenFailed('icmp6', { namespace, address: device, port: 0 }, error);
  }
  const { fd, ifindex } = opened;
  const watch = icmp6Watch(fd, onSolicitation);
  return {
    send: (message, destination) => {
      icmp6Send(
        fd,
        ifindex,
        Buffer.from(message.buffer, message.byteOffset, message.byteLength),
        destination,
      );
    },
    close: () => icmp6Unwatch(watch),
  };
}
