/**
 * A Nova metadata API stand-in on 127.0.0.1: it answers only requests signed as Neutron's metadata agent
 * signs them (`X-Instance-ID-Signature` = HMAC-SHA256 of `X-Instance-ID` with the shared secret; 403
 * otherwise), only for instances it knows (404 otherwise), with a JSON echo of who asked and for what. Every
 * request's headers are kept for assertions. With {@link NovaStandInTls} it is an https server that accepts
 * only clients presenting a certificate signed by the given CA (Nova behind TLS with client certificates).
 *
 * @module
 */
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { instanceIdSignature } from '../../src/metadata/signature.js';

/** What the stand-in answers for a known, correctly signed instance. */
export interface NovaEcho {
  readonly uuid: string;
  /** `X-Forwarded-For`: the instance address the proxy identified. */
  readonly from: string;
  readonly path: string;
}

/** TLS of the stand-in (PEM text): its own certificate and key, and the CA its clients must be signed by. */
export interface NovaStandInTls {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string;
}

export class NovaStandIn {
  /** Headers of every request received, in order. */
  readonly seen: IncomingHttpHeaders[] = [];
  private readonly instances = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly secure: boolean,
  ) {}

  /** Starts listening on a free port of 127.0.0.1. */
  static async start(secret: string, tls?: NovaStandInTls): Promise<NovaStandIn> {
    let standIn: NovaStandIn | undefined;
    const answer: RequestListener = (request, response) => {
      standIn?.seen.push(request.headers);
      const id = String(request.headers['x-instance-id']);
      if (request.headers['x-instance-id-signature'] !== instanceIdSignature(secret, id)) {
        response.writeHead(403).end();
        return;
      }
      if (standIn?.instances.has(id) !== true) {
        response.writeHead(404).end();
        return;
      }
      const echo: NovaEcho = {
        uuid: id,
        from: String(request.headers['x-forwarded-for']),
        path: request.url ?? '',
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    };
    const server =
      tls === undefined
        ? createServer(answer)
        : createHttpsServer(
            { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: true },
            answer,
          );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new NovaStandIn(server, (server.address() as AddressInfo).port, tls !== undefined);
    return standIn;
  }

  get url(): string {
    return `${this.secure ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Nova knows this instance from now on. */
  addInstance(id: string): void {
    this.instances.add(id);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
