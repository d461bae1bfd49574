import { createServer } from 'node:http';

/** Serves `GET /metrics` (Prometheus text) on HOST:PORT; anything else is 404. */
export async function serveMetrics(
  bind: { readonly host: string; readonly port: number },
  render: () => string,
): Promise<{ readonly address: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(render());
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const info = server.address();
  const address = typeof info === 'object' && info !== null ? `${info.address}:${info.port}` : String(info);
  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
