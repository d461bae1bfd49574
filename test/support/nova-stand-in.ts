/**
 * A Nova metadata API stand-in on 127.0.0.1: it answers only requests signed as Neutron's metadata agent
 * signs them (`X-Instance-ID-Signature` = HMAC-SHA256 of `X-Instance-ID` with the shared secret; 403
 * otherwise), only for instances it knows (404 otherwise), with a JSON echo of who asked and for what. Every
 * request's headers are kept for assertions.
 *
 * @module
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceIdSignature } from '../../src/metadata/signature.js';

/** What the stand-in answers for a known, correctly signed instance. */
export interface NovaEcho {
  readonly uuid: string;
  /** `X-Forwarded-For`: the instance address the proxy identified. */
  readonly from: string;
  readonly path: string;
}

export class NovaStandIn {
  /** Headers of every request received, in order. */
  readonly seen: IncomingHttpHeaders[] = [];
  private readonly instances = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts listening on a free port of 127.0.0.1. */
  static async start(secret: string): Promise<NovaStandIn> {
    let standIn: NovaStandIn | undefined;
    const server = createServer((request, response) => {
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
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new NovaStandIn(server, (server.address() as AddressInfo).port);
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Nova knows this instance from now on. */
  addInstance(id: string): void {
    this.instances.add(id);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
