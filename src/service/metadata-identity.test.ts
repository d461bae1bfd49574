/**
 * `metadata.get_instance` through the control plane's real bus handler (schema check included), on
 * SQLite and PostgreSQL: who is behind (network, address), what the builtin backend gets, and what it
 * must not get (unknown address, other network, other project).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  type Client,
  forEachBackend,
  makeNetwork,
  makePort,
  makeSubnet,
  resource,
} from '../api/testing/test-harness.js';
import { GetInstanceResult } from '../bus/dhcp-agent-rpc.js';
import { storedAddress } from './metadata-identity.js';

async function getInstance(client: Client, networkId: string, ipAddress: string): Promise<GetInstanceResult> {
  const reply = await client.plane().bus.request({
    schema: 'qdhcp.request',
    version: 1,
    method: 'metadata.get_instance',
    params: { host: 'test-host', networkId, ipAddress },
  });
  assert.ok(Value.Check(GetInstanceResult, reply), `reply matches the contract: ${JSON.stringify(reply)}`);
  return reply as GetInstanceResult;
}

const NOBODY = { identity: null, context: null };

test('storedAddress: canonical text; IPv4-mapped IPv6 is its IPv4; garbage is undefined', () => {
  assert.equal(storedAddress('10.0.0.5'), '10.0.0.5');
  assert.equal(storedAddress('::ffff:10.0.0.5'), '10.0.0.5');
  assert.equal(storedAddress('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(storedAddress('10.0.0.256'), undefined);
  assert.equal(storedAddress('nope'), undefined);
});

forEachBackend('metadata.get_instance', (client) => {
  test('the caller and its instance: identity, record, request port and all ports with subnets', async () => {
    const netA = await makeNetwork(client, { mtu: 1450 });
    const subnetA = await makeSubnet(client, netA, '10.70.0.0/24', {
      dns_nameservers: ['10.70.0.53'],
      host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.70.0.254' }],
    });
    const netB = await makeNetwork(client);
    const subnetB = await makeSubnet(client, netB, '10.71.0.0/24', { gateway_ip: null });
    const first = await makePort(client, netA);
    const second = await makePort(client, netB);
    const userData = Buffer.from([0, 1, 2, 255]).toString('base64');
    const created = await client.request('POST', '/v2.0/qdhcp/instances', {
      instance: {
        name: 'meta-vm',
        ports: [first.id, second.id],
        public_keys: { default: 'ssh-ed25519 AAAA one', other: 'ssh-rsa BBBB two' },
        user_data: userData,
        metadata: { role: 'db' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const instanceId = String(resource(created, 'instance')['id']);

    const result = await getInstance(client, netB, second.ip);
    assert.deepEqual(result.identity, { portId: second.id, instanceId, projectId: 'fake_project_id' });
    const context = result.context;
    assert.ok(context);
    assert.deepEqual(context.instance, {
      id: instanceId,
      name: 'meta-vm',
      hostname: 'meta-vm',
      projectId: 'fake_project_id',
      availabilityZone: 'nova',
      launchIndex: 0,
      ec2Id: 1,
      publicKeys: [
        { name: 'default', key: 'ssh-ed25519 AAAA one' },
        { name: 'other', key: 'ssh-rsa BBBB two' },
      ],
      userDataBase64: userData,
      metadata: { role: 'db' },
    });
    assert.equal(context.domain, 'example.org');
    assert.equal(context.requestPort.id, second.id);
    assert.deepEqual(context.requestPort.fixedIps, [
      {
        ipAddress: second.ip,
        subnet: {
          id: subnetB,
          cidr: '10.71.0.0/24',
          ipVersion: 4,
          gatewayIp: null,
          enableDhcp: true,
          dnsNameservers: [],
          hostRoutes: [],
        },
      },
    ]);
    assert.deepEqual(context.ports.map((p) => p.id).sort(), [first.id, second.id].sort());
    const portA = context.ports.find((p) => p.id === first.id)!;
    assert.deepEqual(
      { networkId: portA.networkId, mac: portA.macAddress, mtu: portA.mtu },
      { networkId: netA, mac: first.mac, mtu: 1450 },
    );
    assert.deepEqual(portA.fixedIps[0]?.subnet, {
      id: subnetA,
      cidr: '10.70.0.0/24',
      ipVersion: 4,
      gatewayIp: '10.70.0.1',
      enableDhcp: true,
      dnsNameservers: ['10.70.0.53'],
      hostRoutes: [{ destination: '192.168.0.0/16', nexthop: '10.70.0.254' }],
    });
    const mapped = await getInstance(client, netA, `::ffff:${first.ip}`);
    assert.equal(mapped.identity?.portId, first.id, 'an IPv4-mapped peer address is found');

    // The address exists, but on the other network: nobody (no leak across networks).
    assert.deepEqual(await getInstance(client, netA, second.ip), NOBODY);
    // The subnet's broadcast address: no port can hold it, whatever addresses IPAM picked at random above.
    assert.deepEqual(await getInstance(client, netA, '10.70.0.255'), NOBODY, 'unknown address');
    assert.deepEqual(await getInstance(client, netA, 'not-an-ip'), NOBODY);

    // After delete: the port has no device any more.
    assert.equal((await client.request('DELETE', `/v2.0/qdhcp/instances/${instanceId}`)).status, 204);
    assert.deepEqual(await getInstance(client, netB, second.ip), NOBODY);
  });

  test('a device without an instance record: identity only (the nova backend needs no more)', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.72.0.0/24');
    const plain = await makePort(client, net);
    assert.deepEqual(await getInstance(client, net, plain.ip), NOBODY, 'no device_id → nobody');
    const novaVm = await makePort(client, net, {
      device_id: 'nova-instance-1',
      device_owner: 'compute:nova',
    });
    assert.deepEqual(await getInstance(client, net, novaVm.ip), {
      identity: { portId: novaVm.id, instanceId: 'nova-instance-1', projectId: 'fake_project_id' },
      context: null,
    });
  });

  test('no records across projects: a port pointing at another project instance gets no context', async () => {
    const alice = { 'x-project-id': 'alice' };
    const bob = { 'x-project-id': 'bob' };
    const net = await makeNetwork(client, { shared: true });
    await makeSubnet(client, net, '10.73.0.0/24');
    const bobPort = await makePort(client, net, {}, bob);
    const bobInstance = await client.request(
      'POST',
      '/v2.0/qdhcp/instances',
      { instance: { name: 'bob-vm', ports: [bobPort.id], user_data: 'c2VjcmV0' } },
      bob,
    );
    assert.equal(bobInstance.status, 201, JSON.stringify(bobInstance.body));
    const bobId = String(resource(bobInstance, 'instance')['id']);
    // Alice claims Bob's instance id on her own port (an ordinary port update allows it).
    const alicePort = await makePort(client, net, { device_id: bobId }, alice);
    const result = await getInstance(client, net, alicePort.ip);
    assert.deepEqual(result, {
      identity: { portId: alicePort.id, instanceId: bobId, projectId: 'alice' },
      context: null,
    });
    const bobs = await getInstance(client, net, bobPort.ip);
    assert.deepEqual(
      bobs.context?.ports.map((p) => p.id),
      [bobPort.id],
      "Alice's port is not listed among Bob's instance ports",
    );
  });

  test('params that break the contract are refused', async () => {
    await assert.rejects(
      client.plane().bus.request({
        schema: 'qdhcp.request',
        version: 1,
        method: 'metadata.get_instance',
        params: { host: 'h', ipAddress: '10.0.0.1' },
      }),
      /params do not match the contract/,
    );
  });
});
