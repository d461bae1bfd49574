import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { metadataAnswer } from './metadata-tree.js';
import { CLOUD_INIT_READER, sampleContext } from './testing/fixtures.js';

/**
 * cloud-init's own readers (Debian's cloud-init, run by the system Python) crawl the trees over HTTP on
 * loopback: the OpenStack reader (version choice, meta_data.json, user_data, network_data.json converted
 * to its network config) and the EC2 crawler (listings, public-keys, user-data). What they read must be the
 * instance. The in-namespace proxy in front of these trees is tested end to end with probes elsewhere.
 */
const context = sampleContext();
const server = createServer((request, response) => {
  const answer = metadataAnswer(context, request.url ?? '/');
  response.writeHead(answer.status, { 'content-type': answer.contentType });
  response.end(answer.body);
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test("cloud-init's OpenStack and EC2 readers parse the trees and read back the instance", async () => {
  const macs = JSON.stringify({ 'fa:16:3e:b2:03:74': 'eth0', 'fa:16:3e:00:11:22': 'eth1' });
  const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', CLOUD_INIT_READER, base, macs], {
    timeout: 30_000,
  });
  const read = JSON.parse(stdout);
  const { instance } = context;

  assert.equal(read.openstack.metadata.uuid, instance.id);
  assert.equal(read.openstack.metadata['instance-id'], instance.id, 'cloud-init copies uuid to instance-id');
  assert.equal(read.openstack.metadata['local-hostname'], 'web-1.openstacklocal');
  assert.deepEqual(read.openstack.metadata.public_keys, { default: instance.publicKeys[0]?.key });
  assert.equal(read.openstack.userdata, '#cloud-config\nhostname: web-1\n');
  assert.deepEqual(read.openstack.vendordata, {});

  const config = read.openstack.net.config as {
    type: string;
    name?: string;
    mac_address?: string;
    subnets?: { type: string; address?: string; netmask?: string; gateway?: string }[];
  }[];
  const eth0 = config.find((entry) => entry.mac_address === 'fa:16:3e:b2:03:74');
  const eth1 = config.find((entry) => entry.mac_address === 'fa:16:3e:00:11:22');
  assert.deepEqual(
    eth0?.subnets?.map((s) => s.type),
    ['dhcp4'],
  );
  assert.equal(eth1?.subnets?.[0]?.type, 'static');
  assert.equal(eth1?.subnets?.[0]?.address, '192.0.2.10');
  assert.ok(
    config.some((entry) => entry.type === 'nameserver'),
    'DNS services become a nameserver entry',
  );

  // The EC2 id (Nova's `i-%08x`); the UUID stays the OpenStack tree's `uuid`.
  assert.equal(read.ec2['instance-id'], 'i-0000000a');
  assert.equal(read.ec2['local-ipv4'], '10.60.0.50');
  assert.equal(read.ec2['local-hostname'], 'web-1.openstacklocal');
  assert.deepEqual(read.ec2['public-keys'], { default: instance.publicKeys[0]?.key });
  assert.equal(read.ec2.placement['availability-zone'], 'nova');
  assert.equal(read.ec2_userdata, '#cloud-config\nhostname: web-1\n');
});
