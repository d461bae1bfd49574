/**
 * The one place where errors become HTTP responses: `{"NeutronError": {type, message, detail: ""}}`
 * with the catalog's status (spec 2.1). Errors from Fastify's own body handling map to the matching
 * 400s; anything unexpected — including a coded error of a layer that does not reach the API (a bus or
 * database failure) — is a 500 whose details stay in the log.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';
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

/** Node's HTTP parser error code for headers over `--max-http-header-size` (16 KiB). */
const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/**
 * The raw HTTP response for a request Node's parser refused before any route saw it (Fastify's default
 * answers in its own JSON shape): 431 for oversized headers, 408 for a request not received in time,
 * 400 for anything else the parser cannot read. The connection is closed after it.
 */
export function clientErrorResponse(error: unknown, bodyLimit: number): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const mapped =
    code === HEADER_OVERFLOW
      ? new QdhcpError('REQUEST_HEADERS_TOO_LARGE')
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new QdhcpError('REQUEST_TIMEOUT')
        : new QdhcpError('REQUEST_MALFORMED', { reason: code === '' ? 'unreadable' : code });
  const { status, body } = toHttpError(mapped, bodyLimit);
  const text = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}
