/**
 * Version discovery (`GET /`, `GET /v2.0`) and the extensions this server implements
 * (`GET /v2.0/extensions[/alias]`). Clients probe extensions before using a feature, so only what is
 * really implemented is listed.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import { baseUrl } from './resource-routes.js';

/** One API extension as listed by `GET /v2.0/extensions`. */
export interface Extension {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
  readonly updated: string;
}

/** What qdhcp implements, by Neutron alias. */
export const EXTENSIONS: readonly Extension[] = [
  {
    alias: 'address-scope',
    name: 'Address scope',
    description: 'Address scopes extension.',
    updated: '2015-07-26T10:00:00-00:00',
  },
  {
    alias: 'agent',
    name: 'agent',
    description: 'The agent management extension.',
    updated: '2013-02-03T10:00:00-00:00',
  },
  {
    alias: 'allowed-address-pairs',
    name: 'Allowed Address Pairs',
    description: 'Provides allowed address pairs',
    updated: '2013-07-23T10:00:00-00:00',
  },
  {
    alias: 'binding',
    name: 'Port Binding',
    description: 'Expose port bindings of a virtual port to external application',
    updated: '2014-02-03T10:00:00-00:00',
  },
  {
    alias: 'default-subnetpools',
    name: 'Default Subnetpools',
    description: 'Provides ability to mark and use a subnetpool as the default.',
    updated: '2016-02-18T18:00:00-00:00',
  },
  {
    alias: 'dhcp_agent_scheduler',
    name: 'DHCP Agent Scheduler',
    description: 'Schedule networks among dhcp agents',
    updated: '2013-02-07T10:00:00-00:00',
  },
  {
    alias: 'dns-domain-ports',
    name: 'dns_domain for ports',
    description: 'Allows the DNS domain to be specified for a network port.',
    updated: '2016-11-18T10:00:00-00:00',
  },
  {
    alias: 'dns-integration',
    name: 'DNS Integration',
    description: 'Provides integration with DNS.',
    updated: '2015-08-15T18:00:00-00:00',
  },
  {
    alias: 'empty-string-filtering',
    name: 'Empty String Filtering Extension',
    description: 'Allow filtering by attributes with empty string value',
    updated: '2018-05-01T10:00:00-00:00',
  },
  {
    alias: 'external-net',
    name: 'Neutron external network',
    description: 'Adds external network attribute to network resource.',
    updated: '2013-01-14T10:00:00-00:00',
  },
  {
    alias: 'ext-gw-mode',
    name: 'Neutron L3 Configurable external gateway mode',
    description:
      'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
    updated: '2013-03-28T10:00:00-00:00',
  },
  {
    alias: 'extra_dhcp_opt',
    name: 'Neutron Extra DHCP options',
    description:
      'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)',
    updated: '2013-03-17T12:00:00-00:00',
  },
  {
    alias: 'extraroute',
    name: 'Neutron Extra Route',
    description: 'Extra routes configuration for L3 router',
    updated: '2013-02-01T10:00:00-00:00',
  },
  {
    alias: 'filter-validation',
    name: 'Filter parameters validation',
    description: 'Provides validation on filter parameters.',
    updated: '2018-07-04T10:00:00-00:00',
  },
  {
    alias: 'ip-substring-filtering',
    name: 'IP address substring filtering',
    description: 'Provides IP address substring filtering when listing ports',
    updated: '2017-11-28T09:00:00-00:00',
  },
  {
    alias: 'l3_agent_scheduler',
    name: 'L3 Agent Scheduler',
    description: 'Schedule routers among l3 agents',
    updated: '2013-02-07T10:00:00-00:00',
  },
  {
    alias: 'net-mtu',
    name: 'Network MTU',
    description: 'Provides MTU attribute for a network resource.',
    updated: '2015-03-25T10:00:00-00:00',
  },
  {
    alias: 'net-mtu-writable',
    name: 'Network MTU (writable)',
    description: 'Provides a writable MTU attribute for a network resource.',
    updated: '2017-07-12T00:00:00-00:00',
  },
  {
    alias: 'pagination',
    name: 'Pagination support',
    description: 'Extension that indicates that pagination is enabled.',
    updated: '2016-06-12T00:00:00-00:00',
  },
  {
    alias: 'port-mac-address-regenerate',
    name: 'Neutron Port MAC address regenerate',
    description: 'Network port MAC address regenerate',
    updated: '2018-05-03T10:00:00-00:00',
  },
  {
    alias: 'port-security',
    name: 'Port Security',
    description: 'Provides port security',
    updated: '2012-07-23T10:00:00-00:00',
  },
  {
    alias: 'project-id',
    name: 'project_id field enabled',
    description: 'Extension that indicates that project_id field is enabled.',
    updated: '2016-09-09T09:09:09-09:09',
  },
  {
    alias: 'provider',
    name: 'Provider Network',
    description: 'Expose mapping of virtual networks to physical networks',
    updated: '2012-09-07T10:00:00-00:00',
  },
  {
    alias: 'revision-if-match',
    name: 'If-Match constraints based on revision_number',
    description: 'Extension indicating that If-Match based on revision_number is supported.',
    updated: '2016-12-11T00:00:00-00:00',
  },
  {
    alias: 'router',
    name: 'Neutron L3 Router',
    description:
      'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
    updated: '2012-07-20T10:00:00-00:00',
  },
  {
    alias: 'security-group',
    name: 'security-group',
    description: 'The security groups extension.',
    updated: '2012-10-05T10:00:00-00:00',
  },
  {
    alias: 'security-groups-normalized-cidr',
    name: 'Normalized CIDR field for security group rules',
    description: 'Add new field with normalized remote_ip_prefix cidr in SG rule',
    updated: '2020-07-28T10:00:00-00:00',
  },
  {
    alias: 'sorting',
    name: 'Sorting support',
    description: 'Extension that indicates that sorting is enabled.',
    updated: '2016-06-12T00:00:00-00:00',
  },
  {
    alias: 'standard-attr-description',
    name: 'standard-attr-description',
    description: 'Extension to add descriptions to standard attributes',
    updated: '2016-02-10T10:00:00-00:00',
  },
  {
    alias: 'standard-attr-revisions',
    name: 'Resource revision numbers',
    description: 'This extension will display the revision number of neutron resources.',
    updated: '2016-04-11T10:00:00-00:00',
  },
  {
    alias: 'standard-attr-timestamp',
    name: 'Resource timestamps',
    description:
      'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
    updated: '2016-09-12T10:00:00-00:00',
  },
  {
    alias: 'stateful-security-group',
    name: 'Stateful security group',
    description: 'Indicates if the security group is stateful or not',
    updated: '2019-11-26T09:00:00-00:00',
  },
  {
    alias: 'subnet_allocation',
    name: 'Subnet Allocation',
    description: 'Enables allocation of subnets from a subnet pool',
    updated: '2015-03-30T10:00:00-00:00',
  },
  {
    alias: 'subnet-service-types',
    name: 'Subnet service types',
    description: 'Provides ability to set the subnet service_types field',
    updated: '2016-03-15T18:00:00-00:00',
  },
  {
    alias: 'subnetpool-prefix-ops',
    name: 'Subnet Pool Prefix Operations',
    description: 'Provides support for adjusting the prefix list of subnet pools',
    updated: '2019-02-08T10:00:00-00:00',
  },
  {
    alias: 'tag-ports-during-bulk-creation',
    name: 'Tag Ports During Bulk Creation',
    description: 'Allow to tag ports during bulk creation',
    updated: '2019-12-29T19:00:00-00:00',
  },
];

function extensionView(extension: Extension) {
  return { ...extension, links: [] };
}

/** Registers `/`, `/v2.0`, `/v2.0/extensions` and `/healthz`. */
export async function discoveryPlugin(app: FastifyInstance): Promise<void> {
  app.get('/', async (request) => ({
    versions: [
      { id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${baseUrl(request)}/v2.0/` }] },
    ],
  }));
  const resources = async (request: Parameters<typeof baseUrl>[0]) => ({
    resources: ['network', 'subnet', 'subnetpool', 'port', 'agent'].map((name) => ({
      name,
      collection: `${name}s`,
      links: [{ rel: 'self', href: `${baseUrl(request)}/v2.0/${name}s` }],
    })),
  });
  app.get('/v2.0', resources);
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(extensionView) }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (request) => {
    const extension = EXTENSIONS.find((e) => e.alias === request.params.alias);
    if (!extension) throw new QdhcpError('EXTENSION_NOT_FOUND', { alias: request.params.alias });
    return { extension: extensionView(extension) };
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
}
