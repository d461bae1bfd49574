import { type NovaHttpResponse, type NovaTls, novaHttp } from './nova-http.js';
import { instanceIdSignature } from './signature.js';

/** A metadata request after the proxy identified the instance behind it. */
export interface IdentifiedRequest {
  readonly instanceId: string;
  readonly projectId: string;
  /** The instance's address as the proxy saw it (sent as X-Forwarded-For). */
  readonly remoteAddress: string;
  readonly method: string;
  /** Path and query, e.g. `/openstack/latest/meta_data.json`. */
  readonly path: string;
  readonly body: Uint8Array | undefined;
  readonly contentType: string | undefined;
}

export interface ForwardedAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array | string;
}

export interface NovaBackendOptions {
  /** `http(s)://host:port` of a Nova-compatible metadata API (nova_metadata_host/port). */
  readonly url: string;
  readonly sharedSecret: string;
  readonly timeoutMs?: number;
  /** TLS settings for an `https` URL (Neutron's `auth_ca_cert`, `nova_metadata_insecure`, client cert). */
  readonly tls?: NovaTls;
}

/** What the instance sees when Nova answers with an error status (spec §6.3 step 7). */
const PASSED_THROUGH_ERRORS = new Set([400, 403, 404, 409]);

/**
 * The `nova` backend: forwards to Nova's metadata API with exactly the headers Neutron's metadata agent
 * sends, and maps Nova's status like it does: 200 passes through with its body and content type; 400, 403,
 * 404 and 409 keep their status with a short standard body; anything else, or no answer, becomes 500.
 */
export function createNovaBackend(
  options: NovaBackendOptions,
): (request: IdentifiedRequest) => Promise<ForwardedAnswer> {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (request) => {
    const headers: Record<string, string> = {
      'X-Forwarded-For': request.remoteAddress,
      'X-Instance-ID': request.instanceId,
      'X-Tenant-ID': request.projectId,
      'X-Instance-ID-Signature': instanceIdSignature(options.sharedSecret, request.instanceId),
    };
    if (request.contentType !== undefined) headers['Content-Type'] = request.contentType;
    let response: NovaHttpResponse;
    try {
      response = await novaHttp({
        url: `${base}${request.path}`,
        method: request.method,
        headers,
        body: request.body === undefined || request.method === 'GET' ? undefined : request.body,
        timeoutMs,
        tls: options.tls,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { status: 500, contentType: 'text/plain', body: `Metadata service unreachable: ${reason}\n` };
    }
    if (response.status === 200) {
      return { status: 200, contentType: response.contentType ?? 'text/plain', body: response.body };
    }
    if (PASSED_THROUGH_ERRORS.has(response.status)) {
      return { status: response.status, contentType: 'text/plain', body: standardBody(response.status) };
    }
    return {
      status: 500,
      contentType: 'text/plain',
      body: `Remote metadata server experienced an internal server error (status ${response.status}).\n`,
    };
  };
}

function standardBody(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request\n';
    case 403:
      return 'Forbidden\n';
    case 404:
      return 'Not Found\n';
    default:
      return 'Conflict\n';
  }
}
