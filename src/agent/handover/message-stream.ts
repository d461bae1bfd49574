/**
 * The handover's messages on a unix stream connection: one JSON line each ({@link encodeHandoverMessage}),
 * read in order with a deadline per message. Both sides use it (handover-server.ts, takeover.ts).
 *
 * @module
 */
import type net from 'node:net';
import { errorText, QdhcpError } from '../../common/errors.js';
import {
  encodeHandoverMessage,
  type HandoverMessage,
  MAX_MESSAGE_BYTES,
  parseHandoverMessage,
} from './messages.js';

type Waiter = (result: HandoverMessage | QdhcpError) => void;

export class MessageStream {
  readonly #socket: net.Socket;
  readonly #queue: (HandoverMessage | QdhcpError)[] = [];
  readonly #waiters: Waiter[] = [];
  #buffered = '';
  #ended: QdhcpError | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.#read(text));
    socket.on('error', (error) => this.#end(`connection failed: ${errorText(error)}`));
    socket.on('close', () => this.#end('connection closed'));
  }

  send(message: HandoverMessage): void {
    this.#socket.write(encodeHandoverMessage(message));
  }

  /**
   * The next message; `HANDOVER_FAILED` when none comes within `timeoutMs` or the connection ended, and
   * `HANDOVER_MESSAGE_INVALID` for a line that is not one (the connection is closed then).
   */
  next(timeoutMs: number): Promise<HandoverMessage> {
    const queued = this.#queue.shift() ?? this.#ended;
    if (queued !== undefined)
      return queued instanceof QdhcpError ? Promise.reject(queued) : Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new QdhcpError('HANDOVER_FAILED', { reason: `no message within ${timeoutMs} ms` }));
      }, timeoutMs);
      const waiter: Waiter = (result) => {
        clearTimeout(timer);
        if (result instanceof QdhcpError) reject(result);
        else resolve(result);
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next message, which must be of `type` (a `refused` or anything else fails with `HANDOVER_FAILED`). */
  async expect<T extends HandoverMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<HandoverMessage, { type: T }>> {
    const message = await this.next(timeoutMs);
    if (message.type === type) return message as Extract<HandoverMessage, { type: T }>;
    const reason =
      message.type === 'refused' ? `refused: ${message.reason}` : `${message.type} instead of ${type}`;
    throw new QdhcpError('HANDOVER_FAILED', { reason });
  }

  close(): void {
    this.#socket.destroy();
  }

  #read(text: string): void {
    this.#buffered += text;
    for (let end = this.#buffered.indexOf('\n'); end >= 0; end = this.#buffered.indexOf('\n')) {
      const line = this.#buffered.slice(0, end);
      this.#buffered = this.#buffered.slice(end + 1);
      try {
        this.#deliver(parseHandoverMessage(line));
      } catch (error) {
        this.#deliver(error as QdhcpError);
        this.close();
        return;
      }
    }
    if (this.#buffered.length > MAX_MESSAGE_BYTES) {
      this.#deliver(new QdhcpError('HANDOVER_MESSAGE_INVALID', { reason: 'line too long' }));
      this.close();
    }
  }

  #deliver(result: HandoverMessage | QdhcpError): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#queue.push(result);
    else waiter(result);
  }

  #end(reason: string): void {
    if (this.#ended !== undefined) return;
    this.#ended = new QdhcpError('HANDOVER_FAILED', { reason });
    for (const waiter of this.#waiters.splice(0)) waiter(this.#ended);
  }
}
