/**
 * A metadata request's body, read up to the proxy's limit (`ProxyLimits.maxBodyBytes`): only the nova
 * backend's POSTs have one; a request that declares none (every metadata GET) costs nothing.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { QdhcpError } from '../../common/errors.js';

const NO_BODY = new Uint8Array(0);

/** The body, or METADATA_REQUEST_TOO_LARGE once it (or its declared length) passes `limit` bytes. */
export async function readRequestBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) {
    request.resume();
    return NO_BODY;
  }
  const tooLarge = () => new QdhcpError('METADATA_REQUEST_TOO_LARGE', { limit });
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
