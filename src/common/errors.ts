/**
 * The one error catalog of qdhcp, for every layer. Every error qdhcp raises on purpose has a stable `code`
 * (never reused), a layer, a `retryable` flag and a message template with named parameters; the codes that
 * reach the HTTP API also have the Neutron exception class name they are reported as and an HTTP status.
 * The entries are in `error-catalog-api.ts`, `error-catalog-security-groups.ts` and `error-catalog-internal.ts`; docs/errors.md lists them all
 * (a test keeps it in step).
 *
 * Code throws `QdhcpError` built from this catalog (or a subclass that adds typed fields). The HTTP edge
 * (`src/api/error-mapping.ts`) turns it into `{"NeutronError": {type, message, detail: ""}}`; the bus carries
 * `{code, message, params}` and the receiver rebuilds the same `QdhcpError` (`src/bus/bus-error.ts`); the
 * agent's reconciler retries exactly the `retryable` ones.
 *
 * @module
 */
import { API_ERRORS } from './error-catalog-api.js';
import { INTERNAL_ERRORS } from './error-catalog-internal.js';
import { SECURITY_GROUP_ERRORS } from './error-catalog-security-groups.js';
import type { ErrorDefinition, ErrorLayer } from './error-definition.js';

export type { ErrorDefinition, ErrorLayer } from './error-definition.js';

/** Every error, keyed by its stable code. */
export const ERROR_CATALOG = {
  ...API_ERRORS,
  ...SECURITY_GROUP_ERRORS,
  ...INTERNAL_ERRORS,
} as const satisfies Record<string, ErrorDefinition>;

/** A stable error code, one key of {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Named parameters of a message template. */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** True when `code` is one of the catalog's codes (e.g. a code received over the bus). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code);
}

/** Fills `{name}` placeholders; an unknown placeholder stays as written so a bug is visible, not hidden. */
export function formatMessage(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** How a {@link QdhcpError} is built beyond its code and parameters. */
export interface QdhcpErrorOptions {
  /**
   * The already-formatted text, for pure modules (IPAM) that word their failures themselves in Neutron's
   * terms and for errors rebuilt from the bus; the catalog still decides everything else.
   */
  readonly message?: string;
  /** The error this one wraps (a Node system error, a child process failure, a transport error). */
  readonly cause?: unknown;
}

/**
 * The error type qdhcp code throws on purpose, in every layer. Carries the catalog code and parameters; the
 * layer, `retryable`, and for API errors the Neutron type and HTTP status, come from the catalog.
 *
 * @example
 * throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: id });
 * throw new QdhcpError('COMMAND_FAILED', { command, reason: 'exited with 1', stderr: '' }, { cause });
 */
export class QdhcpError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  readonly layer: ErrorLayer;
  readonly retryable: boolean;
  /** The Neutron exception name, for codes that reach the API; undefined otherwise. */
  readonly type: string | undefined;
  /** The HTTP status, for codes that reach the API; undefined otherwise. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, params: ErrorParams = {}, options: QdhcpErrorOptions = {}) {
    const definition: ErrorDefinition = ERROR_CATALOG[code];
    super(
      options.message ?? formatMessage(definition.template, params),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'QdhcpError';
    this.code = code;
    this.params = params;
    this.layer = definition.layer;
    this.retryable = definition.retryable;
    this.type = definition.layer === 'api' ? definition.type : undefined;
    this.status = definition.layer === 'api' ? definition.status : undefined;
  }
}

/** True when `error` is a {@link QdhcpError}, optionally with the given code. */
export function isQdhcpError(error: unknown, code?: ErrorCode): error is QdhcpError {
  return error instanceof QdhcpError && (code === undefined || error.code === code);
}

/** Whether doing the same thing again later may succeed: the catalog's flag; true for an uncoded error. */
export function isRetryable(error: unknown): boolean {
  return error instanceof QdhcpError ? error.retryable : true;
}

/** The message of an error, or the thing as text (for log fields and `{reason}` parameters). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
