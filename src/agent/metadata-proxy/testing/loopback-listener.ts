/**
 * The metadata proxy's listeners on 127.0.0.1 for tests and benches: a `net.Server` (connections as
 * `net.Socket`s) or the addon's listener as the agent runs it in namespaces (src/linux/tcp-accept-socket.ts),
 * so the same tests run against both ways of accepting.
 *
 * @module
 */
import net, { type AddressInfo } from 'node:net';
import { rawLoopbackListener } from '../../../linux/testing/raw-loopback.js';
import type { ListenerFactory } from '../listeners.js';

/** How a test's proxy accepts: Node's `net.Server`, or the addon (the agent's way). */
export type LoopbackKind = 'net' | 'raw';
export const LOOPBACK_KINDS: readonly LoopbackKind[] = ['net', 'raw'];

/** A listener factory on 127.0.0.1 of `kind`; `onPort` hears the port of each listener it opens. */
export function loopbackListener(kind: LoopbackKind, onPort: (port: number) => void): ListenerFactory {
  return async (_namespace, onConnection) => {
    if (kind === 'raw') {
      const { listener, port } = rawLoopbackListener();
      onPort(port);
      return listener;
    }
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onPort((server.address() as AddressInfo).port);
    return server;
  };
}
