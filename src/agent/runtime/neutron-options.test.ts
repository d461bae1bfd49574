import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIni } from '../../common/config-ini.js';
import { isQdhcpError } from '../../common/errors.js';
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
