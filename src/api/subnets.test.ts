import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend, makeNetwork, makeSubnet, resource } from './testing/test-harness.js';

forEachBackend('subnets API', (client) => {
  test('create computes gateway and pools; IPv6 keeps modes', async () => {
    const net = await makeNetwork(client);
    const reply = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: net, cidr: '10.20.0.5/24', ip_version: 4, name: 'basic' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const subnet = resource(reply, 'subnet');
    assert.equal(subnet['cidr'], '10.20.0.0/24');
    assert.equal(subnet['gateway_ip'], '10.20.0.1');
    assert.deepEqual(subnet['allocation_pools'], [{ start: '10.20.0.2', end: '10.20.0.254' }]);
    assert.equal(subnet['enable_dhcp'], true);
    assert.equal(subnet['subnetpool_id'], null);
    assert.equal(subnet['revision_number'], 0);
    const v6 = await client.request('POST', '/v2.0/subnets', {
      subnet: {
        network_id: net,
        cidr: 'fd00:20::/64',
        ip_version: 6,
        ipv6_ra_mode: 'dhcpv6-stateful',
        ipv6_address_mode: 'dhcpv6-stateful',
      },
    });
    assert.equal(v6.status, 201, JSON.stringify(v6.body));
    assert.equal(resource(v6, 'subnet')['gateway_ip'], 'fd00:20::');
    assert.deepEqual(resource(v6, 'subnet')['allocation_pools'], [
      { start: 'fd00:20::1', end: 'fd00:20::ffff:ffff:ffff:ffff' },
    ]);
    const shown = await client.request('GET', `/v2.0/networks/${net}`);
    assert.equal((resource(shown, 'network')['subnets'] as string[]).length, 2);
  });

  test('explicit pools, gateway, nameservers and routes; gateway none', async () => {
    const net = await makeNetwork(client);
    const full = await client.request('POST', '/v2.0/subnets', {
      subnet: {
        network_id: net,
        ip_version: 4,
        cidr: '10.21.0.0/24',
        gateway_ip: '10.21.0.254',
        allocation_pools: [
          { start: '10.21.0.100', end: '10.21.0.150' },
          { start: '10.21.0.200', end: '10.21.0.210' },
        ],
        dns_nameservers: ['192.0.2.53', '192.0.2.54'],
        host_routes: [{ destination: '172.31.0.0/16', nexthop: '10.21.0.1' }],
      },
    });
    assert.equal(full.status, 201, JSON.stringify(full.body));
    assert.deepEqual(resource(full, 'subnet')['dns_nameservers'], ['192.0.2.53', '192.0.2.54']);
    const nogw = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: net, ip_version: 4, cidr: '10.23.0.0/24', gateway_ip: null },
    });
    assert.equal(resource(nogw, 'subnet')['gateway_ip'], null);
    assert.deepEqual(resource(nogw, 'subnet')['allocation_pools'], [
      { start: '10.23.0.1', end: '10.23.0.254' },
    ]);
    const id = String(resource(full, 'subnet')['id']);
    const updated = await client.request('PUT', `/v2.0/subnets/${id}`, {
      subnet: { dns_nameservers: ['192.0.2.99'], host_routes: [], name: 'renamed' },
    });
    assert.equal(updated.status, 200);
    assert.deepEqual(resource(updated, 'subnet')['dns_nameservers'], ['192.0.2.99']);
    assert.deepEqual(resource(updated, 'subnet')['host_routes'], []);
    assert.equal(resource(updated, 'subnet')['revision_number'], 1);
  });

  const errorCases: [string, Record<string, unknown>, number, string, RegExp?][] = [
    ['prefix /33', { cidr: '10.30.0.0/33' }, 400, 'InvalidInput', /10\.30\.0\.0\/33 is not in a CIDR format/],
    ['bad octet', { cidr: '10.30.0.300/24' }, 400, 'InvalidInput', /is not in a CIDR format/],
    [
      'not a CIDR',
      { cidr: 'banana' },
      400,
      'InvalidInput',
      /^Invalid input for operation: banana is not in a CIDR format\.$/,
    ],
    ['version mismatch', { cidr: 'fd00::/64' }, 400, 'InvalidInput'],
    [
      'pool outside',
      { cidr: '10.31.0.0/24', allocation_pools: [{ start: '10.32.0.10', end: '10.32.0.20' }] },
      400,
      'OutOfBoundsAllocationPool',
      /spans beyond the subnet cidr 10\.31\.0\.0\/24/,
    ],
    [
      'gateway in pool',
      {
        cidr: '10.31.0.0/24',
        gateway_ip: '10.31.0.10',
        allocation_pools: [{ start: '10.31.0.5', end: '10.31.0.20' }],
      },
      409,
      'GatewayConflictWithAllocationPools',
    ],
    [
      'overlapping pools',
      {
        cidr: '10.31.0.0/24',
        allocation_pools: [
          { start: '10.31.0.5', end: '10.31.0.20' },
          { start: '10.31.0.10', end: '10.31.0.30' },
        ],
      },
      409,
      'OverlappingAllocationPools',
    ],
    [
      'too many nameservers',
      {
        cidr: '10.31.0.0/24',
        dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'],
      },
      400,
      'DNSNameServersExhausted',
    ],
    ['bad nameserver', { cidr: '10.31.0.0/24', dns_nameservers: ['nope'] }, 400, 'HTTPBadRequest'],
    ['dhcp on /31', { cidr: '10.31.0.0/31' }, 400, 'InvalidInput'],
    ['ipv6 modes on v4', { cidr: '10.31.0.0/24', ipv6_ra_mode: 'slaac' }, 400, 'InvalidInput'],
    ['bad ip_version', { cidr: '10.31.0.0/24', ip_version: 5 }, 400, 'HTTPBadRequest'],
    [
      'unknown attribute',
      { cidr: '10.31.0.0/24', bogus: 1 },
      400,
      'HTTPBadRequest',
      /^Unrecognized attribute\(s\) 'bogus'$/,
    ],
    [
      'read-only attribute',
      { cidr: '10.31.0.0/24', shared: true },
      400,
      'HTTPBadRequest',
      /not allowed in POST/,
    ],
    [
      'unknown network',
      { cidr: '10.31.0.0/24', network_id: '00000000-0000-0000-0000-000000000000' },
      404,
      'NetworkNotFound',
    ],
  ];
  test('create errors (table)', async () => {
    const net = await makeNetwork(client);
    for (const [label, attributes, status, type, message] of errorCases) {
      const reply = await client.request('POST', '/v2.0/subnets', {
        subnet: { network_id: net, ip_version: 4, ...attributes },
      });
      assert.equal(reply.status, status, `${label}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.NeutronError?.type, type, label);
      assert.equal(reply.body.NeutronError?.detail, '', label);
      if (message) assert.match(String(reply.body.NeutronError?.message), message, label);
    }
    const list = await client.request('GET', `/v2.0/subnets?network_id=${net}`);
    assert.deepEqual(list.body['subnets'], [], 'no failed create left a subnet behind');
  });

  test('overlap on the same network is 400 with the tempest substring; other networks may overlap', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.40.0.0/24');
    const overlap = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: net, ip_version: 4, cidr: '10.40.0.128/25' },
    });
    assert.equal(overlap.status, 400);
    assert.match(String(overlap.body.NeutronError?.message), /overlaps with another subnet/);
    const other = await makeNetwork(client);
    await makeSubnet(client, other, '10.40.0.0/24');
  });

  test('update: read-only attributes, pool overlap 409, gateway conflict', async () => {
    const net = await makeNetwork(client);
    const id = await makeSubnet(client, net, '10.50.0.0/24');
    const readOnly = await client.request('PUT', `/v2.0/subnets/${id}`, { subnet: { cidr: '10.51.0.0/24' } });
    assert.equal(readOnly.status, 400);
    assert.equal(readOnly.body.NeutronError?.message, 'Cannot update read-only attribute cidr');
    const overlapping = await client.request('PUT', `/v2.0/subnets/${id}`, {
      subnet: {
        allocation_pools: [
          { start: '10.50.0.240', end: '10.50.0.250' },
          { start: '10.50.0.2', end: '10.50.0.254' },
        ],
      },
    });
    assert.equal(overlapping.status, 409);
    assert.equal(
      overlapping.body.NeutronError?.message,
      'Found overlapping allocation pools: 10.50.0.240-10.50.0.250 10.50.0.2-10.50.0.254 for subnet 10.50.0.0/24.',
    );
    const gateway = await client.request('PUT', `/v2.0/subnets/${id}`, {
      subnet: { gateway_ip: '10.50.0.9' },
    });
    assert.equal(gateway.status, 409);
    assert.equal(gateway.body.NeutronError?.type, 'GatewayConflictWithAllocationPools');
  });

  test('delete: 409 SubnetInUse with a user port; DHCP port addresses are released', async () => {
    const net = await makeNetwork(client);
    const id = await makeSubnet(client, net, '10.60.0.0/24');
    const user = await client.request('POST', '/v2.0/ports', { port: { network_id: net } });
    const dhcp = await client.request('POST', '/v2.0/ports', {
      port: { network_id: net, device_owner: 'network:dhcp' },
    });
    const inUse = await client.request('DELETE', `/v2.0/subnets/${id}`);
    assert.equal(inUse.status, 409);
    assert.equal(
      inUse.body.NeutronError?.message,
      `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
    );
    await client.request('DELETE', `/v2.0/ports/${resource(user, 'port')['id']}`);
    assert.equal((await client.request('DELETE', `/v2.0/subnets/${id}`)).status, 204);
    const dhcpAfter = await client.request('GET', `/v2.0/ports/${resource(dhcp, 'port')['id']}`);
    assert.deepEqual(resource(dhcpAfter, 'port')['fixed_ips'], []);
    assert.equal(
      (await client.request('DELETE', `/v2.0/subnets/${id}`)).body.NeutronError?.type,
      'SubnetNotFound',
    );
  });

  test('SLAAC subnet gives existing ports their EUI-64 address', async () => {
    const net = await makeNetwork(client);
    const port = await client.request('POST', '/v2.0/ports', {
      port: { network_id: net, mac_address: 'fa:16:3e:00:00:01' },
    });
    const portId = String(resource(port, 'port')['id']);
    const subnetId = await makeSubnet(client, net, '2001:db8::/64', {
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
    });
    const after = await client.request('GET', `/v2.0/ports/${portId}`);
    assert.deepEqual(resource(after, 'port')['fixed_ips'], [
      { subnet_id: subnetId, ip_address: '2001:db8::f816:3eff:fe00:1' },
    ]);
  });

  test('DHCP off then on (tempest), DHCP prefix rule on turning it on, IPv6 modes need DHCP', async () => {
    const net = await makeNetwork(client);
    const id = await makeSubnet(client, net, '10.80.0.0/24', { enable_dhcp: false });
    assert.equal((await client.request('POST', '/v2.0/ports', { port: { network_id: net } })).status, 201);
    const on = await client.request('PUT', `/v2.0/subnets/${id}`, { subnet: { enable_dhcp: true } });
    assert.equal(resource(on, 'subnet')['enable_dhcp'], true);
    assert.equal((await client.request('POST', '/v2.0/ports', { port: { network_id: net } })).status, 201);
    const tiny = await makeSubnet(client, net, '10.81.0.0/31', { enable_dhcp: false });
    const tinyOn = await client.request('PUT', `/v2.0/subnets/${tiny}`, { subnet: { enable_dhcp: true } });
    assert.equal(tinyOn.status, 400);
    const v6 = await makeSubnet(client, net, 'fd00:81::/64', {
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
    });
    const v6Off = await client.request('PUT', `/v2.0/subnets/${v6}`, { subnet: { enable_dhcp: false } });
    assert.equal(v6Off.status, 400);
    assert.equal(v6Off.body.NeutronError?.type, 'InvalidInput');
  });
});
