import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseSimpleRequestHead } from './simple-request-head.js';

const MAX = 8192;
const bytes = (text: string) => Buffer.from(text, 'latin1');

/** What the guests' clients send (captured shapes: curl 7.88, busybox 1.35 wget, python-requests). */
const CLIENT_HEADS = [
  'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n',
  'GET /2009-04-04/meta-data/public-keys/0/openssh-key HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n',
  'GET /openstack/latest/meta_data.json HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: Cloud-Init/22.4.2\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n',
  'HEAD /openstack HTTP/1.0\r\n\r\n',
];

describe('parseSimpleRequestHead', () => {
  test('the guests’ requests are recognised, with method and target as sent', () => {
    assert.deepEqual(parseSimpleRequestHead(bytes(CLIENT_HEADS[0]!), MAX), {
      method: 'GET',
      target: '/latest/meta-data/instance-id',
    });
    assert.deepEqual(parseSimpleRequestHead(bytes(CLIENT_HEADS[3]!), MAX), {
      method: 'HEAD',
      target: '/openstack',
    });
    for (const head of CLIENT_HEADS) assert.ok(parseSimpleRequestHead(bytes(head), MAX), head);
  });

  test('everything outside the subset is left to node:http', () => {
    const declined = [
      'GET /x HTTP/1.1\r\nHost: a\r\n', // incomplete
      'GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n', // pipelined
      'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n',
      'GET http://evil/x HTTP/1.1\r\nHost: a\r\n\r\n', // absolute form
      'GET @evil/x HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /x HTTP/1.1\r\n\r\n', // HTTP/1.1 without Host
      'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET /x HTTP/2.0\r\nHost: a\r\n\r\n',
      'GET /x HTTP/1.1\nHost: a\n\n', // bare LF
      'GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n', // obs-fold
      'GET /x HTTP/1.1\r\nHost : a\r\n\r\n', // space before colon
      'GET /x HTTP/1.1\r\nHost: a\u0000b\r\n\r\n',
      'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n',
      'get /x HTTP/1.1\r\nHost: a\r\n\r\n',
      '',
    ];
    for (const head of declined) assert.equal(parseSimpleRequestHead(bytes(head), MAX), undefined, head);
    const big = `GET /x HTTP/1.1\r\nHost: a\r\nX: ${'y'.repeat(MAX)}\r\n\r\n`;
    assert.equal(parseSimpleRequestHead(bytes(big), MAX), undefined);
  });

  test('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        parseSimpleRequestHead(input, MAX);
      }),
      { numRuns: 5000 },
    );
  });
});

/**
 * Differential: whatever the fast parser accepts, node:http (llhttp, the proxy's slow path, with the proxy's
 * options) must parse as a complete request with the same method and target and no body — so the fast
 * path never answers something node:http would have refused or read differently.
 */
describe('parseSimpleRequestHead agrees with node:http', () => {
  let server: Server;
  let port = 0;
  type Reading = { method: string; url: string; body: number } | 'error';
  /** By the client's port: a reset of an earlier connection must not land on the next reading. */
  const readings = new Map<number, Reading>();
  const waiters = new Map<number, () => void>();
  const record = (clientPort: number | undefined, reading: Reading) => {
    if (clientPort === undefined || readings.has(clientPort)) return;
    readings.set(clientPort, reading);
    waiters.get(clientPort)?.();
  };

  before(async () => {
    server = createServer({ maxHeaderSize: MAX }, (request, response) => {
      let body = 0;
      request.on('data', (chunk: Buffer) => {
        body += chunk.byteLength;
      });
      request.on('end', () => {
        record(request.socket.remotePort, { method: request.method ?? '', url: request.url ?? '', body });
        response.end();
      });
    });
    server.on('clientError', (_error, socket: net.Socket) => {
      record(socket.remotePort, 'error');
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  /** node:http's reading of `head` sent in one segment (its first request, or 'error'). */
  async function nodeReading(head: Buffer): Promise<Reading | undefined> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const clientPort = socket.localPort ?? 0;
    readings.delete(clientPort);
    const done = new Promise<void>((resolve) => waiters.set(clientPort, resolve));
    socket.write(head);
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]);
    waiters.delete(clientPort);
    socket.destroy();
    return readings.get(clientPort);
  }

  const tchar = fc.constantFrom(...'abcXYZ-_!#.0129~'.split(''));
  const anyChar = fc.constantFrom(...'a/?%#@: \t\r\n\u0000\u007fé.-=&'.split(''));
  const part = (chars: fc.Arbitrary<string>, max: number) =>
    fc.array(chars, { maxLength: max }).map((list) => list.join(''));
  // Weighted towards valid parts, so that a good share of heads is accepted and compared.
  const header = fc.oneof(
    {
      arbitrary: fc.tuple(part(tchar, 8), part(fc.oneof(tchar, anyChar), 12)).map(([n, v]) => `${n}: ${v}`),
      weight: 2,
    },
    { arbitrary: fc.constantFrom('Host: 169.254.169.254', 'Connection: close', 'Accept: */*'), weight: 6 },
    { arbitrary: fc.constantFrom('Content-Length: 0', 'Transfer-Encoding: chunked'), weight: 1 },
    { arbitrary: part(anyChar, 10), weight: 1 },
  );
  const head = fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'get', 'GET '),
      target: fc.oneof(
        fc.constantFrom('/latest/meta-data/instance-id', '/openstack/latest/meta_data.json?x=1'),
        part(fc.oneof(tchar, tchar, anyChar), 12).map((t) => `/${t}`),
        part(anyChar, 6),
      ),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'http/1.1'),
      headers: fc.array(header, { maxLength: 5 }),
      eol: fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\n'),
    })
    .map(({ method, target, version, headers, eol }) =>
      bytes(`${method} ${target} ${version}${eol}${headers.map((h) => `${h}${eol}`).join('')}${eol}`),
    );

  test('on generated heads (property; some accepted, some not)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(head, async (input) => {
        const fast = parseSimpleRequestHead(input, MAX);
        if (fast === undefined) return;
        accepted++;
        const reading = await nodeReading(input);
        assert.deepEqual(
          reading,
          { method: fast.method, url: fast.target, body: 0 },
          input.toString('latin1'),
        );
      }),
      { numRuns: 1500 },
    );
    // A generator the parser always declines would make this test vacuous.
    assert.ok(accepted >= 20, `only ${accepted} generated heads were accepted`);
  });

  test('on the guests’ requests with one byte changed (mutation fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CLIENT_HEADS),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (text, position, value) => {
          const input = bytes(text);
          input[position % input.length] = value;
          const fast = parseSimpleRequestHead(input, MAX);
          if (fast === undefined) return;
          const reading = await nodeReading(input);
          assert.deepEqual(
            reading,
            { method: fast.method, url: fast.target, body: 0 },
            input.toString('latin1'),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
