import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { after, before, test } from 'node:test';
import { createNovaBackend, type IdentifiedRequest } from './nova-backend.js';

/**
 * A small Nova-like metadata API that checks the signature the way Nova does (HMAC-SHA256 of the instance
 * id with its own copy of the secret) and answers according to the path, so each mapping rule is exercised
 * against real HTTP.
 */
const SECRET = 'nova-and-qdhcp-share-this';
const seen: IncomingMessage['headers'][] = [];

function signatureValid(headers: IncomingMessage['headers']): boolean {
  const id = String(headers['x-instance-id'] ?? '');
  const given = Buffer.from(String(headers['x-instance-id-signature'] ?? ''), 'utf8');
  const expected = Buffer.from(createHmac('sha256', SECRET).update(id).digest('hex'), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const nova = createServer((request, response) => {
  seen.push(request.headers);
  if (!signatureValid(request.headers)) {
    response.writeHead(403).end('signature mismatch');
    return;
  }
  const status = /\/status\/(\d+)$/.exec(request.url ?? '')?.[1];
  if (status !== undefined) {
    response.writeHead(Number(status), { 'content-type': 'text/html' }).end('<html>upstream details</html>');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ uuid: request.headers['x-instance-id'], path: request.url }));
});
let url = '';

before(async () => {
  await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(nova.address() as AddressInfo).port}`;
});
after(() => nova.close());

const request = (path: string): IdentifiedRequest => ({
  instanceId: '0f4e2d8a-3c6b-4e1f-9a7d-5b2c8e1f3a6d',
  projectId: 'f1e2d3c4b5a697887766554433221100',
  remoteAddress: '10.60.0.50',
  method: 'GET',
  path,
  body: undefined,
  contentType: undefined,
});

test('forwards with the instance headers and a signature Nova accepts; 200 passes through', async () => {
  const backend = createNovaBackend({ url, sharedSecret: SECRET });
  const answer = await backend(request('/openstack/latest/meta_data.json?x=1'));
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, 'application/json');
  assert.deepEqual(JSON.parse(Buffer.from(answer.body).toString()), {
    uuid: '0f4e2d8a-3c6b-4e1f-9a7d-5b2c8e1f3a6d',
    path: '/openstack/latest/meta_data.json?x=1',
  });
  const headers = seen.at(-1)!;
  assert.equal(headers['x-forwarded-for'], '10.60.0.50');
  assert.equal(headers['x-tenant-id'], 'f1e2d3c4b5a697887766554433221100');
});

test('a wrong shared secret is refused by Nova: 403 reaches the instance without upstream details', async () => {
  const backend = createNovaBackend({ url, sharedSecret: 'not-the-secret' });
  const answer = await backend(request('/latest/meta-data/instance-id'));
  assert.equal(answer.status, 403);
  assert.equal(answer.body, 'Forbidden\n');
});

test("Nova's statuses are mapped like Neutron's metadata agent maps them", async () => {
  const backend = createNovaBackend({ url, sharedSecret: SECRET });
  const cases: [upstream: number, expected: number][] = [
    [400, 400],
    [404, 404],
    [409, 409],
    [500, 500],
    [502, 500],
    [301, 500],
  ];
  for (const [upstream, expected] of cases) {
    const answer = await backend(request(`/status/${upstream}`));
    assert.equal(answer.status, expected, `upstream ${upstream}`);
    assert.doesNotMatch(String(answer.body), /upstream details/);
  }
});

test('an unreachable Nova is a 500 with the reason, not a crash', async () => {
  const backend = createNovaBackend({ url: 'http://127.0.0.1:1', sharedSecret: SECRET, timeoutMs: 2000 });
  const answer = await backend(request('/latest/meta-data/'));
  assert.equal(answer.status, 500);
  assert.match(String(answer.body), /unreachable/);
});

test('a Nova that accepts and never answers is a 500 after the timeout', async () => {
  const silent = createNetServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as AddressInfo).port;
    const backend = createNovaBackend({
      url: `http://127.0.0.1:${port}`,
      sharedSecret: SECRET,
      timeoutMs: 300,
    });
    const since = Date.now();
    const answer = await backend(request('/latest/meta-data/'));
    assert.equal(answer.status, 500);
    assert.match(
      String(answer.body),
      /no answer from http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data\/ within 300 ms/,
    );
    assert.ok(Date.now() - since < 5000);
  } finally {
    silent.close();
  }
});
