import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ec2Id, ec2InstanceId } from '../common/ec2-id.js';
import { EC2_VERSIONS } from './ec2-tree.js';
import { metadataAnswer } from './metadata-tree.js';
import type { MetadataResponse } from './response.js';
import { sampleContext } from './testing/fixtures.js';

const body = (response: MetadataResponse): string =>
  typeof response.body === 'string' ? response.body : new TextDecoder().decode(response.body);

test("EC2 ids are Nova's prefix-%08x", () => {
  const cases: [prefix: string, value: number, expected: string][] = [
    ['i', 0, 'i-00000000'],
    ['i', 1, 'i-00000001'],
    ['i', 10, 'i-0000000a'],
    ['i', 0xdeadbeef, 'i-deadbeef'],
    // Past eight digits '%08x' just grows.
    ['i', 0x1_0000_0000, 'i-100000000'],
    ['ami', 0, 'ami-00000000'],
  ];
  for (const [prefix, value, expected] of cases) assert.equal(ec2Id(prefix, value), expected);
  assert.equal(ec2InstanceId(9), 'i-00000009');
});

/**
 * What CirrOS (`ds/ec2`: instance-id, ami-launch-index, instance-type, local-ipv4, public-ipv4, hostname,
 * local-hostname, public-hostname, availability-zone, block-device-mapping, public-keys) and cloud-init read
 * from the 2009-04-04 tree, as Nova answers it for this instance (ec2Id 10, one key, zone nova).
 */
test('the 2009-04-04 meta-data keys CirrOS and cloud-init read', () => {
  const context = sampleContext();
  const cases: [key: string, expected: string][] = [
    ['instance-id', 'i-0000000a'],
    ['ami-id', 'ami-00000000'],
    ['ami-launch-index', '0'],
    ['ami-manifest-path', 'FIXME'],
    ['instance-type', 'qdhcp'],
    ['reservation-id', 'r-0f4e2d8a'],
    ['security-groups', 'default'],
    ['block-device-mapping/', 'ami\nroot'],
    ['block-device-mapping/ami', 'vda'],
    ['block-device-mapping/root', '/dev/vda'],
    ['placement/availability-zone', 'nova'],
    ['public-keys/', '0=default'],
    ['public-keys/0', 'openssh-key'],
    ['public-keys/0/openssh-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample qdhcp@test'],
    ['local-ipv4', '10.60.0.50'],
    ['public-ipv4', ''],
    ['hostname', 'web-1.openstacklocal'],
    ['local-hostname', 'web-1.openstacklocal'],
    ['public-hostname', 'web-1.openstacklocal'],
    ['instance-action', 'none'],
    ['mac', 'fa:16:3e:b2:03:74'],
  ];
  for (const version of ['2009-04-04', 'latest']) {
    for (const [key, expected] of cases) {
      const response = metadataAnswer(context, `/${version}/meta-data/${key}`);
      assert.equal(response.status, 200, `${version} ${key}`);
      assert.equal(body(response), expected, `${version} ${key}`);
    }
  }
});

/** Nova's `get_ec2_metadata`: which keys each version adds (1.0 has the base set). */
test('each EC2 version lists the keys Nova serves for it', () => {
  const base = [
    'ami-id',
    'ami-launch-index',
    'ami-manifest-path',
    'hostname',
    'instance-id',
    'local-ipv4',
    'mac',
    'public-keys/',
    'reservation-id',
    'security-groups',
  ];
  const added: [version: string, keys: string[]][] = [
    ['2007-01-19', ['local-hostname', 'public-hostname', 'public-ipv4']],
    ['2007-08-29', ['instance-type']],
    ['2007-12-15', ['block-device-mapping/']],
    ['2008-02-01', ['placement/']],
    ['2008-09-01', ['instance-action']],
  ];
  const context = sampleContext();
  for (const version of EC2_VERSIONS) {
    const expected = [...base];
    for (const [since, keys] of added) if (version >= since) expected.push(...keys);
    const listed = body(metadataAnswer(context, `/${version}/meta-data/`)).split('\n');
    assert.deepEqual(listed, expected.sort(), version);
  }
  const newest = body(metadataAnswer(context, `/${EC2_VERSIONS.at(-1)}/meta-data/`));
  assert.equal(body(metadataAnswer(context, '/latest/meta-data/')), newest);
  assert.equal(metadataAnswer(context, '/1.0/meta-data/placement/availability-zone').status, 404);
});

test('the EC2 instance id is stable per number and independent of the UUID; without a number, the UUID', () => {
  const one = sampleContext({ ec2Id: 255 });
  const other = sampleContext({ ec2Id: 255, id: '1b5d7c9e-0000-4000-8000-000000000001' });
  const idOf = (context: ReturnType<typeof sampleContext>) =>
    body(metadataAnswer(context, '/2009-04-04/meta-data/instance-id'));
  assert.equal(idOf(one), 'i-000000ff');
  assert.equal(idOf(other), 'i-000000ff');
  // A server older than the agent sends no number: the agent serves what it served before.
  const legacy = sampleContext({ ec2Id: undefined });
  assert.equal(idOf(legacy), legacy.instance.id);
  // The OpenStack tree keeps the UUID.
  const meta = JSON.parse(body(metadataAnswer(one, '/openstack/latest/meta_data.json')));
  assert.equal(meta.uuid, one.instance.id);
});
