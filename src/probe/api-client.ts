/**
 * Thin clients of the qdhcp API over plain `fetch` for the CLI: the few Neutron calls a probe needs, and
 * qdhcp's instance records (`qdhcp instance …`). Errors (`PROBE_API_FAILED`) carry the server's NeutronError text.
 *
 * @module
 */
import { isQdhcpError, QdhcpError } from '../common/errors.js';

/** A call to the API failed (transport or non-2xx): `PROBE_API_FAILED`, `http_status` 0 for transport failures. */
function apiFailure(httpStatus: number, reason: string, cause?: unknown): QdhcpError {
  return new QdhcpError('PROBE_API_FAILED', { http_status: httpStatus, reason }, { cause });
}

/** True for the API's "not found" answer. */
function isNotFound(error: unknown): boolean {
  return isQdhcpError(error, 'PROBE_API_FAILED') && error.params['http_status'] === 404;
}

/** The port fields a probe reads. */
export interface ProbePort {
  readonly id: string;
  readonly network_id: string;
  readonly mac_address: string;
  readonly status?: string;
  readonly fixed_ips: ReadonlyArray<{ readonly subnet_id: string; readonly ip_address: string }>;
}

/** The network fields a probe reads. */
export interface ProbeNetwork {
  readonly id: string;
  readonly name?: string;
  readonly mtu: number;
  readonly 'provider:network_type'?: string | null;
  readonly 'provider:physical_network'?: string | null;
}

/** A thin client of the REST API (`--api`, optional `--token`): one JSON call, errors as `PROBE_API_FAILED`. */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
  ) {}

  protected async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== undefined) headers['x-auth-token'] = this.token;
    let response: Response;
    try {
      response = await fetch(`${this.base.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw apiFailure(
        0,
        `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { NeutronError?: { message?: string } };
        message = parsed.NeutronError?.message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw apiFailure(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
}

/**
 * A resource by id, else by name (which must match exactly one); `plural` is the list key and
 * `path` the collection path.
 */
async function findByIdOrName<T>(
  get: (path: string) => Promise<Record<string, unknown>>,
  path: string,
  singular: string,
  plural: string,
  idOrName: string,
): Promise<T> {
  try {
    return (await get(`${path}/${encodeURIComponent(idOrName)}`))[singular] as T;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const found = (await get(`${path}?name=${encodeURIComponent(idOrName)}`))[plural] as T[];
  if (found.length !== 1)
    throw apiFailure(404, `${singular} ${JSON.stringify(idOrName)}: ${found.length} ${plural} match`);
  return found[0]!;
}

/** The Neutron calls a probe makes. */
export class ProbeApi extends ApiClient {
  /** A network by id, else by name (must be unique). */
  async findNetwork(idOrName: string): Promise<ProbeNetwork> {
    return findByIdOrName(
      (path) => this.call('GET', path),
      '/v2.0/networks',
      'network',
      'networks',
      idOrName,
    );
  }

  async createPort(fields: Readonly<Record<string, unknown>>): Promise<ProbePort> {
    return (await this.call('POST', '/v2.0/ports', { port: fields }))['port'] as ProbePort;
  }

  async getPort(id: string): Promise<ProbePort> {
    return (await this.call('GET', `/v2.0/ports/${encodeURIComponent(id)}`))['port'] as ProbePort;
  }

  /** Deletes a port; a port already gone is fine. */
  async deletePort(id: string): Promise<void> {
    try {
      await this.call('DELETE', `/v2.0/ports/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

/** An instance record as the API returns it (`/v2.0/qdhcp/instances`). */
export interface InstanceRecordView {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly project_id: string;
  readonly availability_zone: string;
  readonly ports: readonly string[];
  readonly public_keys: Readonly<Record<string, string>>;
  readonly user_data: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly [attribute: string]: unknown;
}

const INSTANCES = '/v2.0/qdhcp/instances';

/** qdhcp's instance records (builtin metadata). */
export class InstanceApi extends ApiClient {
  async create(fields: Readonly<Record<string, unknown>>): Promise<InstanceRecordView> {
    return (await this.call('POST', INSTANCES, { instance: fields }))['instance'] as InstanceRecordView;
  }

  /** An instance by id, else by name (must be unique). */
  async find(idOrName: string): Promise<InstanceRecordView> {
    return findByIdOrName((path) => this.call('GET', path), INSTANCES, 'instance', 'instances', idOrName);
  }

  async list(): Promise<InstanceRecordView[]> {
    return (await this.call('GET', INSTANCES))['instances'] as InstanceRecordView[];
  }

  async delete(id: string): Promise<void> {
    await this.call('DELETE', `${INSTANCES}/${encodeURIComponent(id)}`);
  }
}
