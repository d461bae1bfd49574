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
 * The `/<version>/` tree of the EC2-compatible API: `meta-data/` and `user-data` (404 when the instance
 * has none, as Nova answers).
 */
export function ec2VersionTree(context: MetadataContext): TreeNode {
  const { instance } = context;
  const entries: [string, TreeNode][] = [['meta-data', ec2MetaData(context)]];
  if (instance.userData !== undefined) entries.push(['user-data', leaf(bytes(instance.userData))]);
  else entries.push(['user-data', leaf(NOT_FOUND)]);
  return directory(entries);
}

function ec2MetaData(context: MetadataContext): TreeNode {
  const { instance } = context;
  const hostname = qualifiedHostname(instance.hostname, context.domain);
  const keys = instance.publicKeys.map(
    (key, index) => [String(index), directory([['openssh-key', leaf(key.key)]])] as const,
  );
  const keyLabels = new Map(instance.publicKeys.map((key, index) => [String(index), `${index}=${key.name}`]));
  const entries: [string, TreeNode][] = [
    ['ami-id', leaf('ami-00000000')],
    ['ami-launch-index', leaf(String(instance.launchIndex))],
    // Nova serves this literal; crawlers only check that the key exists.
    ['ami-manifest-path', leaf('FIXME')],
    [
      'block-device-mapping',
      directory([
        ['ami', leaf('vda')],
        ['root', leaf('/dev/vda')],
      ]),
    ],
    ['hostname', leaf(hostname)],
    ['instance-action', leaf('none')],
    ['instance-id', leaf(instance.id)],
    ['instance-type', leaf('qdhcp')],
    ['local-hostname', leaf(hostname)],
    ['local-ipv4', leaf(context.requestIp)],
    ['mac', leaf(context.requestPort.macAddress)],
    ['placement', directory([['availability-zone', leaf(instance.availabilityZone)]])],
    ['public-hostname', leaf(hostname)],
    ['public-ipv4', leaf('')],
    ['reservation-id', leaf(`r-${instance.id.slice(0, 8)}`)],
    ['security-groups', leaf('default')],
  ];
  if (keys.length > 0) entries.push(['public-keys', directory(keys, keyLabels)]);
  return directory(entries);
}
