import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, resolveConfig } from './config.js';
import { parseIni } from './config-ini.js';
import { isQdhcpError } from './errors.js';

test('defaults are Neutron-like', () => {
  const config = defaultConfig();
  assert.deepEqual(config.bind, { host: '127.0.0.1', port: 9696 });
  assert.equal(config.baseMac, 'fa:16:3e:00:00:00');
  assert.equal(config.dnsDomain, 'openstacklocal');
  assert.equal(config.dhcpLeaseDuration, 86400);
  assert.deepEqual(config.tenantNetworkTypes, ['local']);
  assert.equal(config.authStrategy, 'noauth');
  assert.equal(config.databaseUrl, '');
});

test('INI file with sections; flags win over the file', () => {
  const ini = parseIni(
    [
      '# comment',
      'base_mac = fa:16:3f:00:00:00',
      'dhcp_lease_duration = 600',
      '[ml2]',
      'tenant_network_types = vxlan, vlan',
      '[ml2_type_vlan]',
      'network_vlan_ranges = physnet1:100:199,physnet2',
      '[ml2_type_vxlan]',
      'vni_ranges = 1:1000',
      '[database]',
      'connection = postgres://postgres@127.0.0.1/x',
    ].join('\n'),
  );
  const config = resolveConfig(ini, { dhcp_lease_duration: '3600' });
  assert.equal(config.baseMac, 'fa:16:3f:00:00:00');
  assert.equal(config.dhcpLeaseDuration, 3600);
  assert.deepEqual(config.tenantNetworkTypes, ['vxlan', 'vlan']);
  assert.deepEqual(config.networkVlanRanges, [
    { physicalNetwork: 'physnet1', min: 100, max: 199 },
    { physicalNetwork: 'physnet2' },
  ]);
  assert.deepEqual(config.vniRanges, [{ min: 1, max: 1000 }]);
  assert.equal(config.databaseUrl, 'postgres://postgres@127.0.0.1/x');
});

const badConfigs: [string, string, Record<string, string>, RegExp][] = [
  ['unknown key', 'bogus = 1', {}, /unknown option/],
  ['not an integer', 'dhcp_lease_duration = soon', {}, /not an integer/],
  ['bad network type', '[ml2]\ntenant_network_types = gre', {}, /not one of/],
  ['bad VLAN range', '[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:300:200', {}, /MIN <= MAX/],
  ['bad MAC', 'base_mac = nope', {}, /not a MAC/],
  ['garbage line', 'just words', {}, /expected "key = value"/],
  ['token mode without tokens', '', { auth_strategy: 'token' }, /static_tokens/],
  ['bad bind', '', { bind: 'localhost' }, /HOST:PORT/],
  ['wrong section', '[ml2]\nbase_mac = fa:16:3e:00:00:00', {}, /belongs in \[DEFAULT\]/],
];
test('bad configuration is a CONFIG_INVALID error naming the option', () => {
  for (const [label, text, flags, message] of badConfigs) {
    assert.throws(
      () => resolveConfig(parseIni(text, 'test.ini'), flags, 'test.ini'),
      (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID') && message.test(error.message),
      label,
    );
  }
});
