/**
 * A TCP relay from a loopback address inside a test namespace to a loopback service of the root namespace
 * (RabbitMQ): the listening socket is opened inside the namespace by the netns addon
 * (`listenTcpInNamespace`) but owned by the test process, which connects each accepted socket to the
 * target in its own (root) namespace and pipes both ways. No address or route is added anywhere, and
 * nothing leaves the machine: both ends are 127.0.0.1 of their namespace.
 *
 * @module
 */
import net from 'node:net';
import { listenTcpInNamespace } from '../../../src/linux/namespace-sockets.js';

/** A running relay. */
export interface NamespaceRelay {
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Points new connections at another target port (existing ones stay where they are). */
  retarget(port: number): void;
  /** Cuts every relayed connection (as a broker restart would) but keeps listening. */
  dropConnections(): void;
  /** Stops listening and cuts every relayed connection. */
  close(): Promise<void>;
}

/** Relays `namespace`'s 127.0.0.1:`listenPort` to the root namespace's 127.0.0.1:`targetPort`. */
export async function startNamespaceRelay(options: {
  readonly namespace: string;
  readonly listenPort: number;
  readonly targetPort: number;
}): Promise<NamespaceRelay> {
  let targetPort = options.targetPort;
  let accepted = 0;
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = await listenTcpInNamespace(
    { namespace: options.namespace, address: '127.0.0.1', port: options.listenPort },
    (inner) => {
      accepted++;
      const outer = net.connect({ host: '127.0.0.1', port: targetPort });
      track(inner);
      track(outer);
      inner.setNoDelay(true);
      outer.setNoDelay(true);
      // Either side failing or closing closes the other: the client then sees what a broker loss looks like.
      const cut = () => {
        inner.destroy();
        outer.destroy();
      };
      inner.on('error', cut).on('close', cut);
      outer.on('error', cut).on('close', cut);
      inner.pipe(outer);
      outer.pipe(inner);
    },
  );
  const dropConnections = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    accepted: () => accepted,
    retarget(port) {
      targetPort = port;
    },
    dropConnections,
    close() {
      dropConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
