import { openSocket } from '@qdhcp/netns';
import { describeSocketFd } from '../fd-passing.js';
import { RawTcpListener } from '../tcp-accept-socket.js';
import { OWN_NAMESPACE } from '../udp-batch-socket.js';

/** An addon listener (tcp-accept-socket.ts) bound to 127.0.0.1 on a free port, not started: tests and benches. */
export function rawLoopbackListener(): { listener: RawTcpListener; port: number } {
  const fd = openSocket({ netnsPath: OWN_NAMESPACE, kind: 'tcp4', address: '127.0.0.1', port: 0 });
  const port = describeSocketFd(fd).port ?? 0;
  const place = { namespace: OWN_NAMESPACE, address: '127.0.0.1', port };
  return { listener: new RawTcpListener(fd, place, 1024), port };
}
