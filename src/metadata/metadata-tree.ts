import { EC2_VERSIONS, ec2VersionTree } from './ec2-tree.js';
import type { MetadataContext } from './instance.js';
import { OPENSTACK_VERSIONS, openstackVersionTree } from './openstack-tree.js';
import { listing, type MetadataResponse, NOT_FOUND } from './response.js';
import { pathSegments, resolve } from './tree.js';

/**
 * Answers one metadata GET for the instance described by `context` (pure: no I/O). The root lists the EC2
 * versions; `/openstack` lists the OpenStack ones; `latest` is accepted wherever a version is.
 *
 * @example metadataAnswer(context, '/2009-04-04/meta-data/instance-id') // → { status: 200, body: id }
 */
export function metadataAnswer(context: MetadataContext, path: string): MetadataResponse {
  const segments = pathSegments(path);
  if (segments === undefined) return NOT_FOUND;
  const [first, version, ...rest] = segments;
  if (first === undefined) return listing([...EC2_VERSIONS, 'latest']);
  if (first === 'openstack') {
    if (version === undefined) return listing([...OPENSTACK_VERSIONS, 'latest']);
    if (version !== 'latest' && !OPENSTACK_VERSIONS.includes(version)) return NOT_FOUND;
    return resolve(openstackVersionTree(context, version), rest);
  }
  if (first !== 'latest' && !EC2_VERSIONS.includes(first)) return NOT_FOUND;
  return resolve(ec2VersionTree(context, first), segments.slice(1));
}
