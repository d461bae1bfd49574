import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NovaStandIn } from '../../test/support/nova-stand-in.js';
import { ThrowawayPki } from '../../test/support/throwaway-pki.js';
import { createNovaBackend, type IdentifiedRequest } from './nova-backend.js';
import type { NovaTls } from './nova-http.js';

/**
 * The nova backends over https with Neutron's TLS settings (`auth_ca_cert`, `nova_metadata_insecure`,
 * `nova_client_cert` + `nova_client_priv_key`; docs/metadata.md), against the Nova stand-in serving TLS
 * with a throwaway PKI and requiring a client certificate signed by its CA.
 */
const SECRET = 'tls-shared-secret';
const INSTANCE = '6a1d7c3e-0b2f-4e9a-8c5d-3f1e2a4b6c7d';

describe('Nova metadata over https', () => {
  let pki: ThrowawayPki;
  let nova: NovaStandIn;

  before(async () => {
    pki = await ThrowawayPki.create();
    nova = await NovaStandIn.start(SECRET, {
      cert: pki.server.cert,
      key: pki.server.key,
      clientCa: pki.ca.cert,
    });
    nova.addInstance(INSTANCE);
  });

  after(async () => {
    await nova?.stop();
    pki?.remove();
  });

  const request: IdentifiedRequest = {
    instanceId: INSTANCE,
    projectId: 'p1',
    remoteAddress: '10.61.0.5',
    method: 'GET',
    path: '/openstack/latest/meta_data.json',
    body: undefined,
    contentType: undefined,
  };

  function ask(tls: NovaTls | undefined) {
    const backend = createNovaBackend({
      url: nova.url,
      sharedSecret: SECRET,
      timeoutMs: 5000,
      ...(tls === undefined ? {} : { tls }),
    });
    return backend(request);
  }

  const client = () => ({ cert: pki.client.cert, key: pki.client.key });

  test("verified against auth_ca_cert, presenting the client certificate: Nova's answer passes through", async () => {
    assert.ok(nova.url.startsWith('https://'));
    const answer = await ask({ insecure: false, ca: pki.ca.cert, client: client() });
    assert.equal(answer.status, 200, String(answer.body));
    assert.deepEqual(JSON.parse(Buffer.from(answer.body).toString()), {
      uuid: INSTANCE,
      from: '10.61.0.5',
      path: '/openstack/latest/meta_data.json',
    });
  });

  test('nova_metadata_insecure: an unverified server is accepted (the client certificate still required)', async () => {
    const answer = await ask({ insecure: true, client: client() });
    assert.equal(answer.status, 200, String(answer.body));
  });

  const refused: ReadonlyArray<[string, () => NovaTls | undefined, RegExp]> = [
    ['no TLS settings: the system CAs do not trust the test CA', () => undefined, /certificate/i],
    [
      'verification on, no auth_ca_cert: the system CAs',
      () => ({ insecure: false, client: client() }),
      /certificate/i,
    ],
    [
      "a CA that did not sign Nova's certificate",
      () => ({ insecure: false, ca: pki.otherCa.cert, client: client() }),
      /certificate/i,
    ],
    ['no client certificate: Nova ends the handshake', () => ({ insecure: false, ca: pki.ca.cert }), /.+/],
  ];
  for (const [name, tls, reason] of refused) {
    test(`refused, 500 to the instance: ${name}`, async () => {
      const seen = nova.seen.length;
      const answer = await ask(tls());
      assert.equal(answer.status, 500);
      assert.match(String(answer.body), /^Metadata service unreachable: /);
      assert.match(String(answer.body), reason);
      assert.equal(nova.seen.length, seen, 'no request reached Nova');
    });
  }
});
