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

/** The netmask as Nova writes it: `255.255.255.0`, and for IPv6 netaddr's text (`ffff:ffff:ffff:ffff::`). */
function netmaskOf(cidr: string): string {
  if (!cidr.includes(':')) return formatIpv4(prefixToMask(Number(cidr.split('/')[1] ?? '32')));
  const prefix = Number(cidr.split('/')[1] ?? '128');
  // Ones then zeros: the groups that are not zero, then `::` for the run of two or more zero groups.
  const groups = Array.from({ length: 8 }, (_, i) =>
    (0xffff - (0xffff >> Math.min(16, Math.max(0, prefix - 16 * i)))).toString(16),
  );
  const ones = groups.filter((group) => group !== '0');
  return ones.length >= 7 ? groups.join(':') : `${ones.join(':')}::`;
}

/** Nova's IPv6 network types: `ipv6_slaac`, `ipv6_dhcpv6-stateful`, `ipv6_dhcpv6-stateless`; `ipv6` static. */
const IPV6_MODES = new Set(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless']);

function splitCidr(cidr: string): { network: string; netmask: string } {
  return { network: cidr.split('/')[0] ?? cidr, netmask: netmaskOf(cidr) };
}

/**
 * `network_data.json` as Nova builds it (nova/virt/netutils.py): one link per port, one network per
 * fixed IP; DHCP-enabled IPv4 subnets are `ipv4_dhcp` (the guest asks DHCP), others carry the static
 * address, netmask, routes (the default route `0.0.0.0`/`::` via the gateway first) and DNS services;
 * an IPv6 subnet's type names its `ipv6_address_mode` (`ipv6_slaac`…), `ipv6` when it has none. Services
 * at the top level list every DNS server once.
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
      if (subnet.gatewayIp !== null) {
        const any = subnet.ipVersion === 4 ? '0.0.0.0' : '::';
        routes.unshift({ network: any, netmask: any, gateway: subnet.gatewayIp });
      }
      const mode = subnet.ipVersion === 6 ? subnet.ipv6AddressMode : undefined;
      networks.push({
        id,
        type: mode != null && IPV6_MODES.has(mode) ? `ipv6_${mode}` : `ipv${subnet.ipVersion}`,
        link: linkId(port),
        ip_address: fixedIp.ipAddress,
        netmask: netmaskOf(subnet.cidr),
        routes,
        network_id: port.networkId,
        services,
      });
    }
  }
  return { links, networks, services: [...dnsServers].map((address) => ({ type: 'dns', address })) };
}
