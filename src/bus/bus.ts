/**
 * The bus interface: publish/subscribe for resource events, and request/reply for agent→server calls.
 * The in-process implementation is in `in-process-bus.ts`; an AMQP transport will implement the same
 * interface, so services and agents never know which one they talk to.
 *
 * @module
 */
import type { BusEvent, BusRequest } from './messages.js';

/** Receives events; an exception or rejection is reported by the bus, never thrown to the publisher. */
export type EventHandler = (event: BusEvent) => void | Promise<void>;

/** Answers one request method. */
export type RequestHandler = (params: Readonly<Record<string, unknown>>) => Promise<unknown>;

/** Call to stop receiving. Safe to call more than once. */
export type Unsubscribe = () => void;

/** The message bus between the control plane and agents. */
export interface Bus {
  /** Delivers `event` to every subscriber. Resolves when the transport has accepted it. */
  publish(event: BusEvent): Promise<void>;
  subscribe(handler: EventHandler): Unsubscribe;
  /** Sends a request to whoever serves `request.method` and resolves with its reply. */
  request(request: BusRequest, options?: { timeoutMs?: number }): Promise<unknown>;
  /** Serves one request method (one handler per method). */
  serve(method: string, handler: RequestHandler): Unsubscribe;
  close(): Promise<void>;
}
