import { ec2Id, ec2InstanceId } from '../common/ec2-id.js';
import type { MetadataContext } from './instance.js';
import { bytes, NOT_FOUND, qualifiedHostname } from './response.js';
import { directory, leaf, type TreeNode } from './tree.js';

/** EC2 metadata versions served (Nova's list); cloud-init asks for 2009-04-04 or newer. */
export const EC2_VERSIONS: readonly string[] = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
];

/**
 * The `/<version>/` tree of the EC2-compatible API (`latest` = the newest): `meta-data/` and `user-data`
 * (404 when the instance has none, as Nova answers).
 */
export function ec2VersionTree(context: MetadataContext, version: string): TreeNode {
  const { instance } = context;
  const entries: [string, TreeNode][] = [['meta-data', ec2MetaData(context, version)]];
  if (instance.userData !== undefined) entries.push(['user-data', leaf(bytes(instance.userData))]);
  else entries.push(['user-data', leaf(NOT_FOUND)]);
  return directory(entries);
}

/** True when `requested` (a served version or `latest`) is `required` or newer (Nova's `_check_version`). */
function atLeast(required: string, requested: string): boolean {
  return requested === 'latest' || EC2_VERSIONS.indexOf(requested) >= EC2_VERSIONS.indexOf(required);
}

/**
 * `meta-data/` as Nova's `InstanceMetadata.get_ec2_metadata` builds it: the 1.0 keys, then those each
 * later version added (local/public hostname and public-ipv4 2007-01-19, instance-type 2007-08-29,
 * block-device-mapping 2007-12-15, placement 2008-02-01, instance-action 2008-09-01). `instance-id` is
 * `i-%08x` of the instance's number (CirrOS waits for the `i-`); qdhcp adds `mac` (as EC2 serves it).
 */
function ec2MetaData(context: MetadataContext, version: string): TreeNode {
  const { instance } = context;
  const hostname = qualifiedHostname(instance.hostname, context.domain);
  const instanceId = instance.ec2Id === undefined ? instance.id : ec2InstanceId(instance.ec2Id);
  const keys = instance.publicKeys.map(
    (key, index) => [String(index), directory([['openssh-key', leaf(key.key)]])] as const,
  );
  const keyLabels = new Map(instance.publicKeys.map((key, index) => [String(index), `${index}=${key.name}`]));
  const entries: [string, TreeNode][] = [
    // No images here: Nova's `ami-%08x` of image number 0.
    ['ami-id', leaf(ec2Id('ami', 0))],
    ['ami-launch-index', leaf(String(instance.launchIndex))],
    // Nova serves this literal; crawlers only check that the key exists.
    ['ami-manifest-path', leaf('FIXME')],
    ['hostname', leaf(hostname)],
    ['instance-id', leaf(instanceId)],
    ['local-ipv4', leaf(context.requestIp)],
    ['mac', leaf(context.requestPort.macAddress)],
    // Nova's is `r-` + 8 random characters kept per launch; ours is stable and per instance.
    ['reservation-id', leaf(`r-${instance.id.slice(0, 8)}`)],
    ['security-groups', leaf('default')],
  ];
  if (keys.length > 0) entries.push(['public-keys', directory(keys, keyLabels)]);
  if (atLeast('2007-01-19', version)) {
    entries.push(['local-hostname', leaf(hostname)]);
    entries.push(['public-hostname', leaf(hostname)]);
    // No floating IPs here: Nova serves '' without one.
    entries.push(['public-ipv4', leaf('')]);
  }
  if (atLeast('2007-08-29', version)) entries.push(['instance-type', leaf('qdhcp')]);
  if (atLeast('2007-12-15', version)) {
    // A libvirt guest's virtio root disk (Nova's mapping when root_device_name is /dev/vda).
    const mapping: [string, TreeNode][] = [
      ['ami', leaf('vda')],
      ['root', leaf('/dev/vda')],
    ];
    entries.push(['block-device-mapping', directory(mapping)]);
  }
  if (atLeast('2008-02-01', version))
    entries.push(['placement', directory([['availability-zone', leaf(instance.availabilityZone)]])]);
  if (atLeast('2008-09-01', version)) entries.push(['instance-action', leaf('none')]);
  return directory(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
