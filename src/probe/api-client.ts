/**
 * The few Neutron API calls a probe needs, over plain `fetch`. Errors carry the server's NeutronError text.
 *
 * @module
 */

/** A call to the API failed (transport or non-2xx); `status` is 0 for transport failures. */
export class ProbeApiError extends Error {
  override readonly name = 'ProbeApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
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
}

/** A thin client of the REST API (`--api`, optional `--token`). */
export class ProbeApi {
  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
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
      throw new ProbeApiError(
        0,
        `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
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
      throw new ProbeApiError(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }

  /** A network by id, else by name (must be unique). */
  async findNetwork(idOrName: string): Promise<ProbeNetwork> {
    try {
      return (await this.call('GET', `/v2.0/networks/${encodeURIComponent(idOrName)}`))[
        'network'
      ] as ProbeNetwork;
    } catch (error) {
      if (!(error instanceof ProbeApiError) || error.status !== 404) throw error;
    }
    const found = (await this.call('GET', `/v2.0/networks?name=${encodeURIComponent(idOrName)}`))[
      'networks'
    ] as ProbeNetwork[];
    if (found.length !== 1)
      throw new ProbeApiError(404, `network ${JSON.stringify(idOrName)}: ${found.length} networks match`);
    return found[0]!;
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
      if (!(error instanceof ProbeApiError) || error.status !== 404) throw error;
    }
  }
}
