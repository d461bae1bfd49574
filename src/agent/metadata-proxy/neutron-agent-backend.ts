import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { MetadataBackend, ProxiedRequest, ProxyAnswer } from './backends.js';

export interface NeutronAgentBackendOptions {
  /** `metadata_proxy_socket`: the UNIX socket neutron-metadata-agent listens on. */
  readonly socketPath: string;
  /** Connect + answer (haproxy: `timeout connect 30s`, `timeout server 32s`). */
  readonly timeoutMs?: number;
  /** An answer larger than this is refused with 502 (user data is ≤ 64 KiB in Nova; this is generous). */
  readonly maxResponseBytes?: number;
}

/**
 * The headers the agent sends, and only these, whatever the client sent: where the request came from (the
 * DHCP namespace's network, or the router whose `qrouter-` namespace accepted it: Neutron's haproxy there
 * sends `X-Neutron-Router-ID` and the metadata agent looks among the router's networks) and the TCP
 * peer. Neutron's haproxy sets the first and
 * appends the second to the client's; here no client header is forwarded at all, so an instance cannot
 * present a forged X-Forwarded-For, X-Neutron-* or X-Instance-* header to the metadata agent.
 */
export function neutronAgentHeaders(request: ProxiedRequest, bodyLength: number): Record<string, string> {
  return {
    ...(request.routerId === undefined
      ? { 'X-Neutron-Network-ID': request.networkIds[0] ?? '' }
      : { 'X-Neutron-Router-ID': request.routerId }),
    'X-Forwarded-For': request.remoteAddress,
    ...(request.contentType !== undefined && { 'Content-Type': request.contentType }),
    ...(bodyLength > 0 && { 'Content-Length': String(bodyLength) }),
    Connection: 'close',
  };
}

/**
 * `neutron-agent`: what neutron-dhcp-agent's haproxy does in each namespace (neutron/agent/metadata/
 * driver.py): the request goes to neutron-metadata-agent's UNIX socket with `X-Neutron-Network-ID` and
 * `X-Forwarded-For`; the metadata agent finds the instance (over RPC to neutron-server), signs and asks
 * Nova. Its answer is passed through as it is. No answer: 503 (haproxy's "no server available"); no answer
 * in time: 504 (haproxy's server timeout).
 */
export function createNeutronAgentBackend(options: NeutronAgentBackendOptions): MetadataBackend {
  const timeoutMs = options.timeoutMs ?? 32_000;
  const maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  return {
    name: 'neutron-agent',
    methods: new Set(['GET', 'HEAD', 'POST']),
    answer(request) {
      return new Promise<ProxyAnswer>((resolve) => {
        const body = request.body ?? new Uint8Array(0);
        const outgoing = httpRequest({
          socketPath: options.socketPath,
          method: request.method,
          path: request.path,
          headers: neutronAgentHeaders(request, body.byteLength),
          timeout: timeoutMs,
        });
        outgoing.on('timeout', () => {
          outgoing.destroy();
          resolve(gatewayError(504, 'Gateway Timeout'));
        });
        outgoing.on('error', () => resolve(gatewayError(503, 'Service Unavailable')));
        outgoing.on('response', (response) =>
          readAnswer(response, maxResponseBytes).then(resolve, () =>
            resolve(gatewayError(502, 'Bad Gateway')),
          ),
        );
        outgoing.end(body.byteLength > 0 ? body : undefined);
      });
    },
  };
}

async function readAnswer(response: IncomingMessage, maxBytes: number): Promise<ProxyAnswer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.destroy();
      return gatewayError(502, 'Bad Gateway');
    }
    chunks.push(chunk);
  }
  return {
    status: response.statusCode ?? 502,
    contentType: response.headers['content-type'] ?? 'text/plain',
    body: new Uint8Array(Buffer.concat(chunks)),
  };
}

function gatewayError(status: number, text: string): ProxyAnswer {
  return { status, contentType: 'text/plain', body: `${text}\n` };
}
