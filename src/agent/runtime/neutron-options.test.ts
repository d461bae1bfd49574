import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NovaStandIn } from '../../../test/support/nova-stand-in.js';
import { ThrowawayPki } from '../../../test/support/throwaway-pki.js';
import { parseIni } from '../../common/config-ini.js';
import { isQdhcpError } from '../../common/errors.js';
import { createNovaBackend } from '../../metadata/nova-backend.js';
import { resolveAgentConfig } from './agent-config.js';

/** The agent options for running beside a real neutron-server (issue 16): metadata backends and L2 owner. */
describe('agent options under Neutron', () => {
  test('defaults: builtin metadata, qdhcp owns L2, the socket in the state directory, nova_metadata_url', () => {
    const config = resolveAgentConfig(undefined, { state_dir: '/var/lib/qdhcp' });
    assert.equal(config.metadataBackend, 'builtin');
    assert.equal(config.l2Owner, 'qdhcp');
    assert.equal(config.metadataProxySocket, '/var/lib/qdhcp/metadata_proxy');
    assert.equal(config.novaMetadataUrl, 'http://127.0.0.1:8775');
  });

  test("Neutron's own names, as in its metadata_agent.ini / dhcp_agent.ini", () => {
    const ini = parseIni(
      [
        '[DEFAULT]',
        'metadata_backend = nova-local',
        'nova_metadata_host = nova.example.org',
        'nova_metadata_port = 18775',
        'nova_metadata_protocol = https',
        'metadata_proxy_shared_secret = s3cret',
        'metadata_proxy_socket = /run/neutron/metadata_proxy',
        'l2_owner = neutron-linuxbridge',
        '',
      ].join('\n'),
    );
    const config = resolveAgentConfig(ini, {});
    assert.equal(config.metadataBackend, 'nova-local');
    assert.equal(config.novaMetadataUrl, 'https://nova.example.org:18775');
    assert.equal(config.metadataProxySharedSecret, 's3cret');
    assert.equal(config.metadataProxySocket, '/run/neutron/metadata_proxy');
    assert.equal(config.l2Owner, 'neutron-linuxbridge');
  });

  const urls: ReadonlyArray<[Record<string, string>, string]> = [
    [{ nova_metadata_host: '192.0.2.5' }, 'http://192.0.2.5:8775'],
    [{ nova_metadata_host: 'fd00::5', nova_metadata_port: '80' }, 'http://[fd00::5]:80'],
    [{ nova_metadata_host: '[fd00::5]' }, 'http://[fd00::5]:8775'],
    [{ nova_metadata_url: 'http://nova:1234/base' }, 'http://nova:1234/base'],
  ];
  for (const [flags, url] of urls) {
    test(`nova URL from ${JSON.stringify(flags)}`, () => {
      assert.equal(resolveAgentConfig(undefined, flags).novaMetadataUrl, url);
    });
  }

  const refusals: ReadonlyArray<[string, Record<string, string>, RegExp]> = [
    ['backend', { metadata_backend: 'haproxy' }, /not one of builtin, nova, nova-local, neutron-agent/],
    ['l2 owner', { l2_owner: 'ovs' }, /not one of qdhcp, neutron-linuxbridge/],
    ['protocol', { nova_metadata_protocol: 'ftp' }, /not one of http, https/],
    ['port', { nova_metadata_port: '70000' }, /above the maximum/],
    ['host', { nova_metadata_host: 'nova/x' }, /not a host name or address/],
    [
      'host and url together',
      { nova_metadata_host: 'nova', nova_metadata_url: 'http://other:1' },
      /not both/,
    ],
  ];
  for (const [name, flags, message] of refusals) {
    test(`refuses a bad ${name} with CONFIG_INVALID`, () => {
      assert.throws(
        () => resolveAgentConfig(undefined, flags),
        (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID') && message.test(error.message),
      );
    });
  }
});

/** Neutron's TLS options for Nova (metadata_agent.ini names), with a throwaway PKI's files. */
describe('TLS to Nova under Neutron', () => {
  let pki: ThrowawayPki;
  before(async () => {
    pki = await ThrowawayPki.create();
  });
  after(() => pki?.remove());

  const https = (extra: Record<string, string>): Record<string, string> => ({
    nova_metadata_host: '127.0.0.1',
    nova_metadata_protocol: 'https',
    ...extra,
  });

  test('https: auth_ca_cert and the client certificate are read at start; signed metadata reaches Nova', async () => {
    const ini = parseIni(
      [
        '[DEFAULT]',
        'metadata_backend = nova-local',
        'nova_metadata_host = 127.0.0.1',
        'nova_metadata_protocol = https',
        `auth_ca_cert = ${pki.ca.certFile}`,
        `nova_client_cert = ${pki.client.certFile}`,
        `nova_client_priv_key = ${pki.client.keyFile}`,
        'metadata_proxy_shared_secret = s3cret',
        '',
      ].join('\n'),
    );
    const nova = await NovaStandIn.start('s3cret', {
      cert: pki.server.cert,
      key: pki.server.key,
      clientCa: pki.ca.cert,
    });
    try {
      const config = resolveAgentConfig(ini, { nova_metadata_port: String(nova.port) });
      assert.deepEqual(config.novaTls, {
        insecure: false,
        ca: pki.ca.cert,
        client: { cert: pki.client.cert, key: pki.client.key },
      });
      nova.addInstance('i-1');
      const backend = createNovaBackend({
        url: config.novaMetadataUrl,
        sharedSecret: config.metadataProxySharedSecret,
        ...(config.novaTls === undefined ? {} : { tls: config.novaTls }),
      });
      const answer = await backend({
        instanceId: 'i-1',
        projectId: 'p',
        remoteAddress: '10.0.0.9',
        method: 'GET',
        path: '/latest/meta-data/',
        body: undefined,
        contentType: undefined,
      });
      assert.equal(answer.status, 200, String(answer.body));
    } finally {
      await nova.stop();
    }
  });

  test('nova_metadata_insecure: auth_ca_cert is not used (as in Neutron)', () => {
    const config = resolveAgentConfig(
      undefined,
      https({ nova_metadata_insecure: 'true', auth_ca_cert: '/nonexistent/ca.pem' }),
    );
    assert.deepEqual(config.novaTls, { insecure: true });
  });

  test('http: no TLS, the TLS options are not read', () => {
    const config = resolveAgentConfig(undefined, {
      nova_metadata_host: '127.0.0.1',
      auth_ca_cert: '/nonexistent/ca.pem',
    });
    assert.equal(config.novaTls, undefined);
  });

  const refusals: ReadonlyArray<[string, () => Record<string, string>, RegExp]> = [
    ['an unreadable auth_ca_cert', () => ({ auth_ca_cert: '/nonexistent/ca.pem' }), /cannot read/],
    ['a client certificate without its key', () => ({ nova_client_cert: pki.client.certFile }), /together/],
    [
      'a client key without its certificate',
      () => ({ nova_client_priv_key: pki.client.keyFile }),
      /together/,
    ],
  ];
  for (const [name, extra, message] of refusals) {
    test(`refuses ${name} with CONFIG_INVALID`, () => {
      assert.throws(
        () => resolveAgentConfig(undefined, https(extra())),
        (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID') && message.test(error.message),
      );
    });
  }
});
