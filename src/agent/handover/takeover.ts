/**
 * The successor's side of a planned restart (`qdhcp agent --takeover`, messages.ts has the exchange):
 * before the agent starts it connects to the running agent's handover socket and receives every listening
 * socket into the process's registry (src/linux/listening-sockets.ts), where the drivers find them when they
 * open their sockets; once the agent started and its state is loaded ({@link LoadStateForTakeover}) it tells
 * the running agent to go. Until then the running agent keeps answering: both read the same kernel sockets.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { errorText, QdhcpError } from '../../common/errors.js';
import { openDescriptorChannel } from '../../linux/fd-passing.js';
import type { ListeningSockets } from '../../linux/listening-sockets.js';
import { MessageStream } from './message-stream.js';
import { type Hello, handoverMessage, parseHandoverMessage, type Send, type TookOver } from './messages.js';

/**
 * Brings the started successor to answering for every network in `networks` (what the running agent
 * serves). The default waits for the agent's startup sync from the control plane; a local snapshot of the
 * served state (src/agent/served-state/) plugs in here to answer without asking the server.
 */
export type LoadStateForTakeover = (networks: readonly string[]) => Promise<void>;

export interface TakeoverOptions {
  /** The running agent's handover socket (handover-server.ts `handoverSocketPath`). */
  readonly path: string;
  readonly stateDir: string;
  readonly sockets: ListeningSockets;
  readonly timeoutMs?: number;
  /** How long to wait for `released` after `took-over` (default 120 s); see {@link PendingTakeover.complete}. */
  readonly releaseTimeoutMs?: number;
}

/** Sockets received; the running agent still serves until {@link PendingTakeover.complete}. */
export interface PendingTakeover {
  /** The networks the running agent serves. */
  readonly networks: readonly string[];
  readonly sockets: number;
  /**
   * Tells the running agent to stop; resolves once it released its sockets (true), or — never rejecting —
   * once it went away or did not say so in time (false): from `took-over` on it stops reading whatever this
   * side does, so giving up here would leave nobody serving.
   */
  complete(): Promise<boolean>;
  /** Gives up (the running agent keeps serving; the received sockets stay in the registry). */
  abort(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * The running agent's release is its whole stop (the network work in progress, the metadata drain): 10 s
 * at 200 networks on a loaded machine (bench/handover), where the message timeout above made the successor
 * give up after the old agent had already stopped — and both exited.
 */
const DEFAULT_RELEASE_TIMEOUT_MS = 120_000;

function failed(reason: string): QdhcpError {
  return new QdhcpError('HANDOVER_FAILED', { reason });
}

/** Connects to the running agent and receives its sockets into `options.sockets`. */
export async function receiveSockets(options: TakeoverOptions): Promise<PendingTakeover> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const socket = net.connect(options.path);
  const stream = new MessageStream(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) => reject(failed(`cannot connect to ${options.path}: ${errorText(error)}`)));
  });
  const channel = openDescriptorChannel(join(options.stateDir, `handover-${process.pid}.fds`));
  try {
    stream.send(handoverMessage<Hello>({ type: 'hello', pid: process.pid, channelPath: channel.path }));
    const offer = await stream.expect('offer', timeoutMs);
    let received = 0;
    for (let chunk = 0; chunk < offer.chunks; chunk += 1) {
      stream.send(handoverMessage<Send>({ type: 'send', chunk }));
      await stream.expect('sent', timeoutMs);
      // The running agent sent the datagram before `sent`: it is queued already, this does not wait.
      const message = channel.receive(timeoutMs);
      if (message === undefined) throw failed(`chunk ${chunk} did not arrive`);
      let payload: ReturnType<typeof parseChunk>;
      try {
        payload = parseChunk(message.payload, chunk, message.fds);
      } catch (error) {
        // Descriptors nobody can match to a socket: not kept open in this process.
        for (const fd of message.fds) closeSync(fd);
        throw error;
      }
      options.sockets.inherit(payload.map((spec, index) => ({ spec, fd: message.fds[index] ?? -1 })));
      received += payload.length;
    }
    if (received !== offer.sockets) throw failed(`received ${received} of ${offer.sockets} sockets`);
    return {
      networks: offer.networks,
      sockets: received,
      async complete() {
        stream.send(handoverMessage<TookOver>({ type: 'took-over', pid: process.pid }));
        try {
          await stream.expect('released', options.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS);
          return true;
        } catch {
          return false;
        } finally {
          stream.close();
        }
      },
      abort: () => stream.close(),
    };
  } catch (error) {
    stream.close();
    throw error;
  } finally {
    channel.close();
  }
}

/** A chunk's socket specs, checked against the chunk expected and the descriptors it came with. */
function parseChunk(payload: Buffer, expected: number, fds: readonly number[]) {
  const message = parseHandoverMessage(payload);
  if (message.type !== 'sockets' || message.chunk !== expected)
    throw failed(`expected sockets chunk ${expected}, got ${message.type}`);
  if (message.sockets.length !== fds.length)
    throw failed(`chunk ${expected}: ${message.sockets.length} sockets described, ${fds.length} descriptors`);
  return message.sockets;
}
