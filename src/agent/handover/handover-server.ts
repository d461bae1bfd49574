/**
 * The running agent's side of a planned restart (messages.ts has the exchange): it listens on
 * `handover.sock` in its state dir, gives a successor duplicates of every listening socket it holds
 * (src/linux/listening-sockets.ts) and keeps answering on its own copies until the successor says it took
 * over; only then does it stop reading (`release`: the agent closed, namespaces and devices left as they
 * are) and exit. A successor that fails or goes away changes nothing here.
 *
 * @module
 */
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { MAX_FDS_PER_MESSAGE, sendDescriptors } from '../../linux/fd-passing.js';
import type { HeldSocket, ListeningSockets } from '../../linux/listening-sockets.js';
import { MessageStream } from './message-stream.js';
import {
  handoverMessage,
  type Offer,
  type Refused,
  type Released,
  type Sent,
  type SocketsChunk,
} from './messages.js';

/** Where a running agent listens for its successor. */
export function handoverSocketPath(stateDir: string): string {
  return join(stateDir, 'handover.sock');
}

export interface HandoverServerOptions {
  readonly path: string;
  readonly sockets: ListeningSockets;
  /** The networks served now (sent in the offer: the successor serves them all before it takes over). */
  readonly servedNetworks: () => readonly string[];
  /** Stops reading every socket and closes the agent without tearing down namespaces or devices. */
  readonly release: () => Promise<void>;
  /** After `released` was sent: the process should exit now. */
  readonly onHandedOver: () => void;
  readonly logger: Logger;
  /** Deadline per message from the successor (its sync of every network happens within one). */
  readonly timeoutMs?: number;
}

/** A successor's own start (its sync of every network) comes between two of its messages. */
const DEFAULT_TIMEOUT_MS = 300_000;

export interface HandoverServer {
  close(): Promise<void>;
}

/** Listens at `options.path` (a leftover socket file from a crashed run is replaced). */
export async function serveHandover(options: HandoverServerOptions): Promise<HandoverServer> {
  const { logger } = options;
  let busy = false;
  const server = net.createServer((socket) => {
    const stream = new MessageStream(socket);
    if (busy) {
      stream.send(handoverMessage<Refused>({ type: 'refused', reason: 'a handover is in progress' }));
      socket.end();
      return;
    }
    busy = true;
    // Stops listening before the old agent goes: closing the listener removes its path (libuv unlinks a
    // unix socket's path on close), which must happen before the successor binds its own there.
    const stopListening = () => server.close();
    handOver(stream, options, stopListening)
      .then((handedOver) => {
        if (handedOver) options.onHandedOver();
      })
      .catch((error: unknown) =>
        logger.warn(
          { event: 'agent.handover_failed', reason: errorText(error) },
          'handover failed; still serving',
        ),
      )
      .finally(() => {
        busy = false;
        stream.close();
      });
  });
  try {
    unlinkSync(options.path);
  } catch {
    // No leftover: the usual case.
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) resolve();
        else server.close(() => resolve());
      }),
  };
}

/** One successor served; true once it took over and this agent released its sockets. */
async function handOver(
  stream: MessageStream,
  options: HandoverServerOptions,
  stopListening: () => void,
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hello = await stream.expect('hello', timeoutMs);
  const started = performance.now();
  const held = options.sockets.held();
  const chunks: HeldSocket[][] = [];
  for (let at = 0; at < held.length; at += MAX_FDS_PER_MESSAGE)
    chunks.push(held.slice(at, at + MAX_FDS_PER_MESSAGE));
  options.logger.info(
    { event: 'agent.handover_offer', successor: hello.pid, sockets: held.length },
    'successor connected: offering sockets',
  );
  stream.send(
    handoverMessage<Offer>({
      type: 'offer',
      pid: process.pid,
      sockets: held.length,
      chunks: chunks.length,
      networks: [...options.servedNetworks()],
    }),
  );
  for (;;) {
    const message = await stream.next(timeoutMs);
    if (message.type === 'send') {
      const chunk = chunks[message.chunk] ?? [];
      const payload = handoverMessage<SocketsChunk>({
        type: 'sockets',
        chunk: message.chunk,
        sockets: chunk.map(({ spec }) => spec),
      });
      sendDescriptors(
        hello.channelPath,
        Buffer.from(JSON.stringify(payload)),
        chunk.map(({ fd }) => fd),
        5000,
      );
      stream.send(handoverMessage<Sent>({ type: 'sent', chunk: message.chunk }));
    } else if (message.type === 'took-over') {
      const releasing = performance.now();
      stopListening();
      await options.release();
      stream.send(handoverMessage<Released>({ type: 'released' }));
      options.logger.info(
        {
          event: 'agent.handed_over',
          successor: message.pid,
          sockets: held.length,
          handoverMs: Math.round(releasing - started),
          releaseMs: Math.round(performance.now() - releasing),
        },
        'successor took over: sockets released',
      );
      return true;
    } else {
      return false;
    }
  }
}
