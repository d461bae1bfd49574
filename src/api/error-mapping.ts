/**
 * The one place where errors become HTTP responses: `{"NeutronError": {type, message, detail: ""}}`
 * with the catalog's status (spec 2.1). Errors from Fastify's own body handling map to the matching
 * 400s; anything unexpected — including a coded error of a layer that does not reach the API (a bus or
 * database failure) — is a 500 whose details stay in the log.
 *
 * @module
 */
import { isQdhcpError, QdhcpError } from '../common/errors.js';

/** The body of every error response. */
export interface NeutronErrorBody {
  readonly NeutronError: { readonly type: string; readonly message: string; readonly detail: '' };
}

/** Status and body for `error`; `expected` tells whether it is a client error (no stack trace logged). */
export function toHttpError(
  error: unknown,
  bodyLimit: number,
): { status: number; body: NeutronErrorBody; expected: boolean } {
  let mapped: QdhcpError;
  let expected = true;
  if (isQdhcpError(error) && error.status !== undefined) {
    mapped = error;
    expected = error.status < 500;
  } else if (isQdhcpError(error)) {
    mapped = new QdhcpError('INTERNAL');
    expected = false;
  } else {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const statusCode =
      typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : 500;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      mapped = new QdhcpError('BODY_TOO_LARGE', { limit: bodyLimit });
    else if (code.startsWith('FST_ERR_CTP') || (statusCode >= 400 && statusCode < 500))
      mapped = new QdhcpError('BODY_INVALID');
    else {
      mapped = new QdhcpError('INTERNAL');
      expected = false;
    }
  }
  return {
    status: mapped.status ?? 500,
    body: {
      NeutronError: { type: mapped.type ?? 'HTTPInternalServerError', message: mapped.message, detail: '' },
    },
    expected,
  };
}
