/**
 * One HTTP(S) exchange with Nova's metadata API, with the TLS settings of Neutron's metadata agent
 * (`neutron/agent/metadata/agent.py` `_proxy_request`, docs/metadata.md): `fetch` takes no CA, client
 * certificate or "insecure" switch, so this uses node:http / node:https directly.
 *
 * @module
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { QdhcpError } from '../common/errors.js';

/**
 * TLS to Nova (used when the URL is `https`), as Neutron decides it: `insecure`
 * (`nova_metadata_insecure`) turns verification off; otherwise the server is verified against `ca`
 * (`auth_ca_cert`, PEM) alone when given, else against the system's trusted CAs. `cert` and `key`
 * (`nova_client_cert`, `nova_client_priv_key`, PEM) are presented together or not at all.
 */
export interface NovaTls {
  readonly insecure: boolean;
  readonly ca?: string;
  readonly client?: { readonly cert: string; readonly key: string };
}

/** The request as the backend built it. */
export interface NovaHttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
  readonly timeoutMs: number;
  readonly tls: NovaTls | undefined;
}

/** Nova's answer; the body is read only when `status` is 200 (the backend hides any other). */
export interface NovaHttpResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/** Sends `request`; rejects on a connection, TLS or timeout failure. Redirects are not followed. */
export function novaHttp(request: NovaHttpRequest): Promise<NovaHttpResponse> {
  const url = new URL(request.url);
  const tls = url.protocol === 'https:' ? tlsOptions(request.tls) : {};
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      { method: request.method, headers: request.headers, timeout: request.timeoutMs, ...tls },
      (response) => {
        readAnswer(response).then(resolve, reject);
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(
        new QdhcpError('METADATA_UPSTREAM_TIMEOUT', { url: request.url, timeout_ms: request.timeoutMs }),
      ),
    );
    outgoing.on('error', reject);
    outgoing.end(request.body === undefined ? undefined : Buffer.from(request.body));
  });
}

function tlsOptions(tls: NovaTls | undefined): Record<string, unknown> {
  if (tls === undefined) return {};
  return {
    rejectUnauthorized: !tls.insecure,
    // With verification off Neutron does not load the CA either (requests' verify=False).
    ...(tls.ca !== undefined && !tls.insecure ? { ca: tls.ca } : {}),
    ...(tls.client === undefined ? {} : { cert: tls.client.cert, key: tls.client.key }),
  };
}

async function readAnswer(response: IncomingMessage): Promise<NovaHttpResponse> {
  const status = response.statusCode ?? 500;
  if (status !== 200) {
    response.resume();
    return { status, contentType: undefined, body: new Uint8Array() };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return {
    status,
    contentType: response.headers['content-type'],
    body: new Uint8Array(Buffer.concat(chunks)),
  };
}
