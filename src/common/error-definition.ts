/**
 * The shape of one error catalog entry (`errors.ts` puts the catalog together).
 *
 * @module
 */

/**
 * Where an error is raised; `api` means it reaches the HTTP API with a Neutron type and a status, `any`
 * that every layer may raise it (a broken invariant).
 */
export type ErrorLayer =
  | 'api'
  | 'any'
  | 'config'
  | 'bus'
  | 'agent'
  | 'metadata'
  | 'linux'
  | 'dhcp'
  | 'dns'
  | 'serve'
  | 'service'
  | 'db'
  | 'ipam'
  | 'probe'
  | 'cli';

/** Common to every entry: the layer, whether retrying can help, the message template (`{name}` placeholders). */
interface BaseErrorDefinition {
  readonly layer: ErrorLayer;
  /**
   * True when doing the same thing again later may succeed without anything else changing (a broker away, a
   * timeout, a device not there yet); false when the same input always fails the same way, so a retry loop
   * would only repeat the failure. The agent's reconciler retries exactly the retryable ones.
   */
  readonly retryable: boolean;
  readonly template: string;
}

/** An error that reaches the HTTP API: reported as `{"NeutronError": {type, message}}` with `status`. */
export interface ApiErrorDefinition extends BaseErrorDefinition {
  readonly layer: 'api';
  readonly type: string;
  readonly status: number;
}

/** An error that never reaches the API as itself (the HTTP edge reports it as `INTERNAL`). */
export interface InternalErrorDefinition extends BaseErrorDefinition {
  readonly layer: Exclude<ErrorLayer, 'api'>;
}

/** One catalog entry. */
export type ErrorDefinition = ApiErrorDefinition | InternalErrorDefinition;
