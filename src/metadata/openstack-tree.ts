import { formatIpv4, prefixToMask } from '../common/ipv4.js';
import type { MetadataContext, MetadataPort } from './instance.js';
import { bytes, json, NOT_FOUND, qualifiedHostname } from './response.js';
import { directory, leaf, type TreeNode } from './tree.js';

/** OpenStack metadata versions served, oldest first (Nova's names; cloud-init picks the newest it knows). */
export const OPENSTACK_VERSIONS: readonly string[] = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
];

const LATEST = OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1]!;

/** True when `version` (or `latest`) is at least `since` (dates compare as strings). */
function atLeast(version: string, since: string): boolean {
  return (version === 'latest' ? LATEST : version) >= since;
}

/** The `/openstack/<version>/` directory; files appear in the version Nova introduced them. */
export function openstackVersionTree(context: MetadataContext, version: string): TreeNode {
  const entries: [string, TreeNode][] = [['meta_data.json', leaf(json(metaData(context, version)))]];
  const { userData } = context.instance;
  entries.push(['user_data', leaf(userData === undefined ? NOT_FOUND : bytes(userData))]);
  if (atLeast(version, '2013-10-17')) entries.push(['vendor_data.json', leaf(json({}))]);
  if (atLeast(version, '2015-10-15')) entries.push(['network_data.json', leaf(json(networkData(context)))]);
  if (atLeast(version, '2016-10-06')) entries.push(['vendor_data2.json', leaf(json({}))]);
  return directory(entries);
}

function metaData(context: MetadataContext, version: string): Record<string, unknown> {
  const { instance } = context;
  const data: Record<string, unknown> = {
    uuid: instance.id,
    meta: instance.metadata,
    hostname: qualifiedHostname(instance.hostname, context.domain),
    name: instance.name,
    launch_index: instance.launchIndex,
    public_keys: Object.fromEntries(instance.publicKeys.map((key) => [key.name, key.key])),
    keys: instance.publicKeys.map((key) => ({ name: key.name, type: 'ssh', data: key.key })),
  };
  if (atLeast(version, '2013-04-04')) {
    data['availability_zone'] = instance.availabilityZone;
    data['random_seed'] = Buffer.from(context.randomBytes(512)).toString('base64');
  }
  if (atLeast(version, '2013-10-17')) data['project_id'] = instance.projectId;
  if (atLeast(version, '2016-06-30')) data['devices'] = [];
  return data;
}

/** Nova's name for the instance side of a port: the tap device name. */
function linkId(port: MetadataPort): string {
  return `tap${port.id.slice(0, 11)}`;
}

function netmaskOf(cidr: string): string {
  const prefix = Number(cidr.split('/')[1] ?? '32');
  return formatIpv4(prefixToMask(prefix));
}

function splitCidr(cidr: string): { network: string; netmask: string } {
  return { network: cidr.split('/')[0] ?? cidr, netmask: netmaskOf(cidr) };
}

/**
 * `network_data.json` as Nova builds it (nova/virt/netutils.py): one link per port, one network per
 * fixed IP; DHCP-enabled IPv4 subnets are `ipv4_dhcp` (the guest asks DHCP), others carry the static
 * address, netmask, routes and DNS services. Services at the top level list every DNS server once.
 */
function networkData(context: MetadataContext): Record<string, unknown> {
  const links = context.ports.map((port) => ({
    id: linkId(port),
    vif_id: port.id,
    type: 'bridge',
    mtu: port.mtu,
    ethernet_mac_address: port.macAddress,
  }));
  const networks: Record<string, unknown>[] = [];
  const dnsServers = new Set<string>();
  for (const port of context.ports) {
    for (const fixedIp of port.fixedIps) {
      const { subnet } = fixedIp;
      const id = `network${networks.length}`;
      for (const server of subnet.dnsNameservers) dnsServers.add(server);
      const services = subnet.dnsNameservers.map((address) => ({ type: 'dns', address }));
      if (subnet.ipVersion === 4 && subnet.enableDhcp) {
        networks.push({ id, type: 'ipv4_dhcp', link: linkId(port), network_id: port.networkId });
        continue;
      }
      const routes = subnet.hostRoutes.map((route) => {
        const { network, netmask } = splitCidr(route.destination);
        return { network, netmask, gateway: route.nexthop };
      });
      if (subnet.gatewayIp !== null && subnet.ipVersion === 4) {
        routes.push({ network: '0.0.0.0', netmask: '0.0.0.0', gateway: subnet.gatewayIp });
      }
      networks.push({
        id,
        type: `ipv${subnet.ipVersion}`,
        link: linkId(port),
        ip_address: fixedIp.ipAddress,
        netmask: subnet.ipVersion === 4 ? netmaskOf(subnet.cidr) : subnet.cidr.split('/')[1],
        routes,
        network_id: port.networkId,
        services,
      });
    }
  }
  return { links, networks, services: [...dnsServers].map((address) => ({ type: 'dns', address })) };
}
