/**
 * Request/reply over a serialising transport, without the transport: the caller's table of calls waiting
 * for a reply (by correlation id, with timeouts), the server's answer to one received request, and the
 * checks of what arrives. `amqp-bus.ts` moves the bytes.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type ErrorParams, errorText, QdhcpError } from '../common/errors.js';
import type { RequestHandler } from './bus.js';
import { fromWireError, toWireError, type WireError } from './bus-error.js';
import { BusReply, BusRequest } from './messages.js';

/** A received body checked against `schema`: the value, or why it is invalid (for the log). */
export function checkBody<S extends TSchema>(
  schema: S,
  content: Buffer,
): { readonly value: unknown; readonly invalid?: string } {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return { value: undefined, invalid: 'not JSON' };
  }
  if (Value.Check(schema, value)) return { value };
  const first = Value.Errors(schema, value).First();
  return { value, invalid: `${first?.path || '/'}: ${first?.message ?? '?'}` };
}

function failure(error: WireError): BusReply {
  return {
    schema: 'qdhcp.reply',
    version: 1,
    ok: false,
    error: error.message,
    code: error.code,
    params: { ...error.params },
  };
}

/** A failure of the bus itself (not of a handler) in its wire form. */
function busFailure(code: 'BUS_INVALID_REQUEST' | 'BUS_NO_SERVER', params: ErrorParams): BusReply {
  const error = new QdhcpError(code, params);
  return failure({ code, message: error.message, params });
}

/**
 * The server's reply to one received request body: the handler's result, its error, "no server for bus
 * method", or "invalid bus request" (then `invalid` says why, for the log and counter).
 */
export async function answerRequest(
  content: Buffer,
  handlers: ReadonlyMap<string, RequestHandler>,
): Promise<{ readonly reply: BusReply; readonly invalid?: string }> {
  const { value, invalid } = checkBody(BusRequest, content);
  if (invalid !== undefined)
    return { reply: busFailure('BUS_INVALID_REQUEST', { reason: invalid }), invalid };
  const request = value as BusRequest;
  const handler = handlers.get(request.method);
  if (handler === undefined) return { reply: busFailure('BUS_NO_SERVER', { method: request.method }) };
  try {
    const result = await handler(request.params);
    return { reply: { schema: 'qdhcp.reply', version: 1, ok: true, result: result ?? null } };
  } catch (error) {
    return { reply: failure(toWireError(error, request.method)) };
  }
}

interface PendingCall {
  readonly method: string;
  succeed(result: unknown): void;
  fail(error: Error): void;
}

/** The caller's calls waiting for their reply. */
export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();

  /**
   * Registers a call and hands its correlation id to `send` (which throws if it cannot send); the promise
   * settles with the reply, or rejects on timeout, on `send`'s error, or through `failAll`/`fail`.
   */
  start(method: string, timeoutMs: number, send: (correlationId: string) => void): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new QdhcpError('BUS_REQUEST_TIMEOUT', { method, timeout_ms: timeoutMs }));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.calls.delete(id);
      };
      const call: PendingCall = {
        method,
        succeed: (result) => {
          settle();
          resolve(result);
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      this.calls.set(id, call);
      try {
        send(id);
      } catch (error) {
        call.fail(
          new QdhcpError('BUS_REQUEST_FAILED', { method, reason: errorText(error) }, { cause: error }),
        );
      }
    });
  }

  /**
   * A reply arrived for `correlationId`. Returns why it is invalid (its call then fails at once), or
   * undefined. A reply nobody waits for (timed out, or a duplicate) is dropped.
   */
  reply(correlationId: string, content: Buffer): string | undefined {
    const call = this.calls.get(correlationId);
    const { value, invalid } = checkBody(BusReply, content);
    if (invalid !== undefined) {
      call?.fail(new QdhcpError('BUS_INVALID_REPLY', { method: call.method, reason: invalid }));
      return invalid;
    }
    const reply = value as BusReply;
    if (reply.ok) call?.succeed(reply.result);
    else if (call !== undefined) {
      const wire = {
        code: reply.code ?? 'BUS_HANDLER_FAILED',
        message: reply.error,
        params: reply.params ?? {},
      };
      call.fail(fromWireError(wire, call.method));
    }
    return undefined;
  }

  /** Fails one call with the error `make(method)` gives (e.g. the broker returned it unroutable). */
  fail(correlationId: string, make: (method: string) => Error): void {
    const call = this.calls.get(correlationId);
    call?.fail(make(call.method));
  }

  /** Fails every waiting call (connection lost, bus closed). */
  failAll(why: string): void {
    for (const call of [...this.calls.values()])
      call.fail(new QdhcpError('BUS_REQUEST_FAILED', { method: call.method, reason: why }));
  }
}
