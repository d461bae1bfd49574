import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Client, forEachBackend, makeNetwork, makeSubnet, resource } from './testing/test-harness.js';

async function createPort(client: Client, port: Record<string, unknown>) {
  return client.request('POST', '/v2.0/ports', { port });
}

forEachBackend('ports API', (client) => {
  test('plain port: MAC from base_mac, an address from the pool, DOWN, dns_assignment', async () => {
    const net = await makeNetwork(client);
    const subnet = await makeSubnet(client, net, '10.20.0.0/24');
    const reply = await createPort(client, {
      network_id: net,
      name: 'p',
      admin_state_up: true,
      dns_name: 'VM1',
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const port = resource(reply, 'port');
    assert.match(String(port['mac_address']), /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    const fixed = port['fixed_ips'] as { subnet_id: string; ip_address: string }[];
    assert.equal(fixed.length, 1);
    assert.equal(fixed[0]!.subnet_id, subnet);
    const last = Number(fixed[0]!.ip_address.split('.')[3]);
    assert.ok(last >= 2 && last <= 254);
    assert.equal(port['status'], 'DOWN');
    assert.equal(port['device_owner'], '');
    assert.equal(port['binding:vif_type'], 'unbound');
    assert.equal(port['dns_name'], 'vm1');
    assert.deepEqual(port['dns_assignment'], [
      { ip_address: fixed[0]!.ip_address, hostname: 'vm1', fqdn: 'vm1.example.org.' },
    ]);
    assert.equal(port['revision_number'], 1);
  });

  test('the DHCP port takes the lowest free address', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.21.0.0/24');
    const dhcp = await createPort(client, { network_id: net, device_owner: 'network:dhcp' });
    assert.deepEqual(
      (resource(dhcp, 'port')['fixed_ips'] as { ip_address: string }[]).map((ip) => ip.ip_address),
      ['10.21.0.2'],
    );
  });

  test('fixed_ips forms: specific, subnet twice, none, address only', async () => {
    const net = await makeNetwork(client);
    const a = await makeSubnet(client, net, '10.22.0.0/24');
    const b = await makeSubnet(client, net, '10.23.0.0/24');
    const specific = await createPort(client, {
      network_id: net,
      fixed_ips: [{ subnet_id: b, ip_address: '10.23.0.120' }],
    });
    assert.deepEqual(resource(specific, 'port')['fixed_ips'], [{ subnet_id: b, ip_address: '10.23.0.120' }]);
    const two = await createPort(client, {
      network_id: net,
      fixed_ips: [{ subnet_id: a }, { subnet_id: b }],
    });
    assert.deepEqual(
      (resource(two, 'port')['fixed_ips'] as { subnet_id: string }[]).map((ip) => ip.subnet_id),
      [a, b],
    );
    const none = await createPort(client, { network_id: net, fixed_ips: [] });
    assert.deepEqual(resource(none, 'port')['fixed_ips'], []);
    assert.equal(resource(none, 'port')['ip_allocation'], 'none');
    // An address no port above drew at random (they take random free addresses of the pool).
    const listed = await client.request('GET', `/v2.0/ports?network_id=${net}`);
    const taken = new Set(
      (listed.body['ports'] as { fixed_ips: { ip_address: string }[] }[]).flatMap((p) =>
        p.fixed_ips.map((ip) => ip.ip_address),
      ),
    );
    const free = ['10.22.0.77', '10.22.0.78', '10.22.0.79', '10.22.0.80'].find((ip) => !taken.has(ip));
    const ipOnly = await createPort(client, { network_id: net, fixed_ips: [{ ip_address: free }] });
    assert.deepEqual(resource(ipOnly, 'port')['fixed_ips'], [{ subnet_id: a, ip_address: free }]);
    const outside = await createPort(client, { network_id: net, fixed_ips: [{ ip_address: '10.99.0.1' }] });
    assert.equal(outside.body.NeutronError?.type, 'InvalidIpForNetwork');
  });

  test('errors with the reference wording', async () => {
    const net = await makeNetwork(client);
    const sub = await makeSubnet(client, net, '10.24.0.0/24');
    await createPort(client, {
      network_id: net,
      fixed_ips: [{ subnet_id: sub, ip_address: '10.24.0.50' }],
      mac_address: 'fa:16:3e:00:00:01',
    });
    const cases: [Record<string, unknown>, number, string, string][] = [
      [
        { fixed_ips: [{ subnet_id: sub, ip_address: '10.24.0.50' }] },
        409,
        'IpAddressAlreadyAllocated',
        `IP address 10.24.0.50 already allocated in subnet ${sub}`,
      ],
      [
        { mac_address: 'FA:16:3E:00:00:01' },
        409,
        'MacAddressInUse',
        `Unable to complete operation for network ${net}. The mac address fa:16:3e:00:00:01 is in use.`,
      ],
      [
        { fixed_ips: [{ subnet_id: sub, ip_address: '10.99.0.5' }] },
        400,
        'InvalidIpForSubnet',
        'IP address 10.99.0.5 is not a valid IP for the specified subnet.',
      ],
      [
        { fixed_ips: [{ subnet_id: sub, ip_address: '10.24.0.255' }] },
        400,
        'InvalidIpForSubnet',
        'IP address 10.24.0.255 is not a valid IP for the specified subnet.',
      ],
      [
        { fixed_ips: [{ subnet_id: sub, ip_address: 'not-an-ip' }] },
        400,
        'HTTPBadRequest',
        "Invalid input for fixed_ips. Reason: 'not-an-ip' is not a valid IP address.",
      ],
      [
        { mac_address: 'zz:16:3e:00:00:01' },
        400,
        'HTTPBadRequest',
        "Invalid input for mac_address. Reason: 'zz:16:3e:00:00:01' is not a valid MAC address.",
      ],
      [
        { network_id: '00000000-0000-0000-0000-000000000000' },
        404,
        'NetworkNotFound',
        'Network 00000000-0000-0000-0000-000000000000 could not be found.',
      ],
      [
        { admin_state_up: 'maybe' },
        400,
        'InvalidInput',
        "Invalid input for operation: 'maybe' cannot be converted to boolean.",
      ],
      [
        { name: 'x'.repeat(256) },
        400,
        'HTTPBadRequest',
        `Invalid input for name. Reason: '${'x'.repeat(256)}' exceeds maximum length of 255.`,
      ],
      [
        { security_groups: ['11111111-2222-3333-4444-555555555555'] },
        404,
        'SecurityGroupNotFound',
        'Security group 11111111-2222-3333-4444-555555555555 does not exist',
      ],
      [
        { allowed_address_pairs: [{ mac_address: 'fa:16:3e:00:00:09' }] },
        400,
        'HTTPBadRequest',
        "Invalid input for allowed_address_pairs. Reason: Invalid data format for allowed address pair: 'ip_address' is required.",
      ],
      [
        { fixed_ips: [{ subnet_id: '11111111-2222-3333-4444-555555555555' }] },
        404,
        'SubnetNotFound',
        'Subnet 11111111-2222-3333-4444-555555555555 could not be found.',
      ],
      [
        { extra_dhcp_opts: [{ opt_name: 'x' }] },
        400,
        'HTTPBadRequest',
        "Invalid input for extra_dhcp_opts. Reason: Validation of dictionary's keys failed. Missing 'opt_value'.",
      ],
    ];
    for (const [attributes, status, type, message] of cases) {
      const reply = await createPort(client, { network_id: net, ...attributes });
      assert.deepEqual(
        { status: reply.status, error: reply.body.NeutronError },
        { status, error: { type, message, detail: '' } },
      );
    }
    const ports = await client.request('GET', `/v2.0/ports?network_id=${net}`);
    assert.equal((ports.body['ports'] as unknown[]).length, 1, 'no failed create left a port behind');
  });

  test('exhaustion: a /29 holds 5 ports, the 6th is 409 IpAddressGenerationFailure', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.40.0.0/29');
    for (let i = 0; i < 5; i++) assert.equal((await createPort(client, { network_id: net })).status, 201);
    const sixth = await createPort(client, { network_id: net });
    assert.deepEqual(sixth.body, {
      NeutronError: {
        type: 'IpAddressGenerationFailure',
        message: `No more IP addresses available on network ${net}.`,
        detail: '',
      },
    });
  });

  test('bulk: all or nothing, tags echoed sorted', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.25.0.0/24');
    const ok = await client.request('POST', '/v2.0/ports', {
      ports: [
        { network_id: net, name: 'b0', tags: ['b', 'a'] },
        { network_id: net, name: 'b1', tags: [] },
        { port: { network_id: net, name: 'b2' } },
      ],
    });
    assert.equal(ok.status, 201);
    const created = ok.body['ports'] as { name: string; tags: string[] }[];
    assert.deepEqual(
      created.map((p) => p.name),
      ['b0', 'b1', 'b2'],
    );
    assert.deepEqual(created[0]!.tags, ['a', 'b']);
    // b0–b2 took random addresses: the duplicate is one none of them holds, so the 409 is the bulk's own.
    const held = new Set(
      (ok.body['ports'] as { fixed_ips: { ip_address: string }[] }[]).flatMap((p) =>
        p.fixed_ips.map((ip) => ip.ip_address),
      ),
    );
    const twice = ['10.25.0.60', '10.25.0.61', '10.25.0.62', '10.25.0.63'].find((ip) => !held.has(ip));
    const bad = await client.request('POST', '/v2.0/ports', {
      ports: [
        { network_id: net, name: 'x', fixed_ips: [{ ip_address: twice }] },
        { network_id: net, name: 'x', fixed_ips: [{ ip_address: twice }] },
      ],
    });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.NeutronError?.type, 'IpAddressAlreadyAllocated');
    assert.deepEqual((await client.request('GET', '/v2.0/ports?name=x')).body['ports'], []);
  });

  test('update: add an address on the same subnet, remove one, extra options merge', async () => {
    const net = await makeNetwork(client);
    const sub = await makeSubnet(client, net, '10.26.0.0/24');
    const created = await createPort(client, {
      network_id: net,
      extra_dhcp_opts: [
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
        { opt_name: 'tftp-server', opt_value: '192.0.2.10', ip_version: '4' },
        { opt_name: 'skipped', opt_value: null },
      ],
    });
    const port = resource(created, 'port');
    assert.deepEqual(port['extra_dhcp_opts'], [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: 'tftp-server', opt_value: '192.0.2.10', ip_version: 4 },
    ]);
    const first = (port['fixed_ips'] as { subnet_id: string; ip_address: string }[])[0]!;
    const added = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: {
        fixed_ips: [first, { subnet_id: sub }],
        extra_dhcp_opts: [
          { opt_name: 'tftp-server', opt_value: null },
          { opt_name: 'ntp-server', opt_value: '192.0.2.123' },
        ],
      },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const ips = resource(added, 'port')['fixed_ips'] as { subnet_id: string; ip_address: string }[];
    assert.equal(ips.length, 2);
    assert.deepEqual(ips[0], first);
    assert.equal(ips[1]!.subnet_id, sub);
    assert.deepEqual(resource(added, 'port')['extra_dhcp_opts'], [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: 'ntp-server', opt_value: '192.0.2.123', ip_version: 4 },
    ]);
    const removed = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: { fixed_ips: [ips[1]] },
    });
    assert.deepEqual(resource(removed, 'port')['fixed_ips'], [ips[1]]);
    const reuse = await createPort(client, {
      network_id: net,
      fixed_ips: [{ ip_address: first.ip_address }],
    });
    assert.equal(reuse.status, 201, 'a released address can be taken again');
  });

  test('MAC update: explicit, regenerate with null, refused on network:* owners', async () => {
    const net = await makeNetwork(client);
    const port = resource(await createPort(client, { network_id: net }), 'port');
    const set = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: { mac_address: '12:34:56:78:BE:6D' },
    });
    assert.equal(resource(set, 'port')['mac_address'], '12:34:56:78:be:6d');
    const described = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: { description: 'd2' },
    });
    assert.equal(resource(described, 'port')['mac_address'], '12:34:56:78:be:6d');
    const regenerated = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: { mac_address: null },
    });
    assert.notEqual(resource(regenerated, 'port')['mac_address'], '12:34:56:78:be:6d');
    assert.match(String(resource(regenerated, 'port')['mac_address']), /^fa:16:3e:/);
    const dhcp = resource(
      await createPort(client, { network_id: net, device_owner: 'network:dhcp' }),
      'port',
    );
    const refused = await client.request('PUT', `/v2.0/ports/${dhcp['id']}`, {
      port: { mac_address: 'fa:16:3e:11:22:33' },
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.NeutronError?.type, 'UnsupportedPortDeviceOwner');
    const readOnly = await client.request('PUT', `/v2.0/ports/${port['id']}`, { port: { network_id: net } });
    assert.equal(readOnly.status, 400);
  });

  test('delete: 204 then 404 PortNotFound', async () => {
    const net = await makeNetwork(client);
    const port = resource(await createPort(client, { network_id: net }), 'port');
    assert.equal((await client.request('DELETE', `/v2.0/ports/${port['id']}`)).status, 204);
    const again = await client.request('DELETE', `/v2.0/ports/${port['id']}`);
    assert.deepEqual(again.body, {
      NeutronError: { type: 'PortNotFound', message: `Port ${port['id']} could not be found.`, detail: '' },
    });
  });

  test('non-admin: binding attributes hidden; explicit MAC on a foreign shared network is 403', async () => {
    const net = await makeNetwork(client, { shared: true, project_id: 'alice' });
    const bob = { 'x-project-id': 'bob' };
    const own = await client.request('POST', '/v2.0/ports', { port: { network_id: net } }, bob);
    assert.equal(own.status, 201);
    assert.equal(resource(own, 'port')['binding:host_id'], undefined);
    assert.equal(resource(own, 'port')['tenant_id'], 'bob');
    const mac = await client.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: net, mac_address: 'fa:16:3e:99:99:99' } },
      bob,
    );
    assert.equal(mac.status, 403);
  });

  test('subnet service types choose the subnet by device owner (tempest)', async () => {
    const net = await makeNetwork(client);
    const one = await makeSubnet(client, net, '192.168.1.0/24', {
      service_types: ['test:type_1', 'network:distributed'],
    });
    const two = await makeSubnet(client, net, '192.168.2.0/24', {
      service_types: ['test:type_2', 'network:distributed'],
    });
    for (const [owner, subnet] of [
      ['test:type_1', one],
      ['test:type_2', two],
    ] as const) {
      const port = await createPort(client, { network_id: net, device_owner: owner });
      const ips = resource(port, 'port')['fixed_ips'] as { subnet_id: string }[];
      assert.deepEqual(
        ips.map((ip) => ip.subnet_id),
        [subnet],
      );
    }
    const none = await createPort(client, { network_id: net, device_owner: 'compute:nova' });
    assert.equal(none.body.NeutronError?.type, 'IpAddressGenerationFailureNoMatchingSubnet');
  });

  test('IPv6 stateful: an address past the end of the CIDR is 400; port security off with no groups', async () => {
    const net = await makeNetwork(client);
    const sub = await makeSubnet(client, net, '2001:db8:1::/64', {
      ipv6_ra_mode: 'dhcpv6-stateful',
      ipv6_address_mode: 'dhcpv6-stateful',
    });
    const past = await createPort(client, {
      network_id: net,
      fixed_ips: [{ subnet_id: sub, ip_address: '2001:db8:2::1' }],
    });
    assert.equal(past.status, 400);
    const port = resource(await createPort(client, { network_id: net, port_security_enabled: true }), 'port');
    assert.equal(port['port_security_enabled'], true);
    const off = await client.request('PUT', `/v2.0/ports/${port['id']}`, {
      port: { port_security_enabled: false, security_groups: [] },
    });
    assert.equal(resource(off, 'port')['port_security_enabled'], false);
  });
});
