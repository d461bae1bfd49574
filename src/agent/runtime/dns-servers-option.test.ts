import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIni } from '../../common/config-ini.js';
import { isQdhcpError } from '../../common/errors.js';
import { resolveAgentConfig } from './agent-config.js';

describe('agent configuration: --dns-servers (INI dnsmasq_dns_servers)', () => {
  test('none by default; a comma list with dnsmasq #port syntax, from the INI file or the flag', () => {
    assert.deepEqual(resolveAgentConfig(undefined, {}).dnsServers, []);
    const ini = parseIni('[DEFAULT]\ndnsmasq_dns_servers = 192.0.2.53, 192.0.2.54#5353\n');
    assert.deepEqual(resolveAgentConfig(ini, {}).dnsServers, ['192.0.2.53', '192.0.2.54#5353']);
    assert.deepEqual(resolveAgentConfig(ini, { dnsmasq_dns_servers: '198.51.100.1' }).dnsServers, [
      '198.51.100.1',
    ]);
  });

  test('IPv6 upstreams (issue 15: the addon opens udp6/tcp6 sockets in the namespace), with #port', () => {
    assert.deepEqual(
      resolveAgentConfig(undefined, { dnsmasq_dns_servers: '2001:db8::53, 2001:db8::54#5353' }).dnsServers,
      ['2001:db8::53', '2001:db8::54#5353'],
    );
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['a name', 'dns.example.org', /not an IP address/],
    ['a bad port', '192.0.2.53#0', /bad port/],
    ['a bad IPv6 address', '2001:db8:::53', /not an IP address/],
  ];
  for (const [name, value, message] of refusals) {
    test(`refuses ${name} with CONFIG_INVALID`, () => {
      assert.throws(
        () => resolveAgentConfig(undefined, { dnsmasq_dns_servers: value }),
        (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID') && message.test(error.message),
      );
    });
  }
});
