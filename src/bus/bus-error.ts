/**
 * Errors across the bus. A failed request travels as `{code, message, params}` and the caller rebuilds a
 * `QdhcpError` with the same code, so `retryable` (and any check of the code) works the same over AMQP and
 * in-process: the in-process bus runs the same conversion instead of passing the handler's object.
 *
 * @module
 */
import { Type } from '@sinclair/typebox';
import { type ErrorParams, errorText, isErrorCode, isQdhcpError, QdhcpError } from '../common/errors.js';

/** Template parameters as they travel (the catalog's `ErrorParams`). */
export const WireErrorParams = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]));

/** A request's failure as it travels: the catalog code, the formatted message and its parameters. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly params: ErrorParams;
}

/** The wire form of whatever a handler of `method` threw; an uncoded error becomes `BUS_HANDLER_FAILED`. */
export function toWireError(error: unknown, method: string): WireError {
  if (isQdhcpError(error)) return { code: error.code, message: error.message, params: error.params };
  const coded = new QdhcpError('BUS_HANDLER_FAILED', { method, reason: errorText(error) });
  return { code: coded.code, message: coded.message, params: coded.params };
}

/**
 * The error a caller sees for a received failure: the same code, message and parameters. A code this
 * process does not know (a newer server) becomes `BUS_HANDLER_FAILED` with the sender's message.
 */
export function fromWireError(wire: WireError, method: string): QdhcpError {
  if (isErrorCode(wire.code)) return new QdhcpError(wire.code, wire.params, { message: wire.message });
  return new QdhcpError('BUS_HANDLER_FAILED', { method, reason: wire.message }, { message: wire.message });
}
