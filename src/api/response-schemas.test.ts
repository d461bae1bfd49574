import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { NetworkView, PortView, SubnetView } from '../service/views.js';
import { NetworkResource, PortResource, SubnetResource } from '../service/views.js';
import { type JsonSchema, resourceResponses } from './response-schemas.js';

const standard = {
  description: '',
  tags: ['b', 'a'],
  created_at: '2026-11-22T10:12:36Z',
  updated_at: '2026-11-22T10:12:37Z',
  revision_number: 3,
};

const port: PortView = {
  id: '3f1c8e55-0000-4000-8000-000000000001',
  name: 'p',
  network_id: '3f1c8e55-0000-4000-8000-000000000002',
  tenant_id: 'proj',
  project_id: 'proj',
  mac_address: 'fa:16:3e:00:00:01',
  admin_state_up: true,
  status: 'DOWN',
  device_id: '',
  device_owner: '',
  fixed_ips: [{ subnet_id: '3f1c8e55-0000-4000-8000-000000000003', ip_address: '10.0.0.5' }],
  allowed_address_pairs: [{ ip_address: '10.0.0.0/24', mac_address: 'fa:16:3e:00:00:01' }],
  extra_dhcp_opts: [
    { opt_name: 'router', opt_value: '', ip_version: 4 },
    { opt_name: 'ntp-server', opt_value: null, ip_version: 6 },
  ],
  security_groups: [],
  port_security_enabled: true,
  'binding:vnic_type': 'normal',
  'binding:host_id': 'host-1',
  'binding:profile': { nested: { list: [1, 'two', null], flag: false } },
  'binding:vif_type': 'unbound',
  'binding:vif_details': {},
  dns_name: '',
  dns_domain: '',
  dns_assignment: [
    { ip_address: '10.0.0.5', hostname: 'host-10-0-0-5', fqdn: 'host-10-0-0-5.openstacklocal.' },
  ],
  ip_allocation: 'immediate',
  ...standard,
};

const network: NetworkView = {
  id: '3f1c8e55-0000-4000-8000-000000000002',
  name: 'n',
  tenant_id: 'proj',
  project_id: 'proj',
  admin_state_up: false,
  mtu: 0,
  status: 'ACTIVE',
  subnets: [],
  shared: false,
  port_security_enabled: true,
  'router:external': false,
  'provider:network_type': 'flat',
  'provider:physical_network': null,
  'provider:segmentation_id': null,
  availability_zone_hints: [],
  availability_zones: [],
  ipv4_address_scope: null,
  ipv6_address_scope: null,
  dns_domain: '',
  ...standard,
};

const subnet: SubnetView = {
  id: '3f1c8e55-0000-4000-8000-000000000003',
  name: '',
  tenant_id: 'proj',
  project_id: 'proj',
  network_id: '3f1c8e55-0000-4000-8000-000000000002',
  ip_version: 4,
  subnetpool_id: null,
  enable_dhcp: true,
  ipv6_ra_mode: null,
  ipv6_address_mode: 'slaac',
  gateway_ip: null,
  cidr: '10.0.0.0/24',
  allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
  host_routes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.1' }],
  dns_nameservers: ['10.0.0.1'],
  service_types: [],
  dns_publish_fixed_ip: false,
  segment_id: null,
  ...standard,
};

/** What the client receives when a route with `schema` returns `body`. */
async function served(schema: JsonSchema, body: unknown): Promise<unknown> {
  const app = Fastify({ logger: false });
  app.get('/', { schema: { response: { 200: schema } } }, async () => body);
  const response = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body);
}

/** The body as JSON.stringify would have sent it (what clients saw before the schemas). */
const plain = (body: unknown): unknown => JSON.parse(JSON.stringify(body));

const cases = [
  { names: { singular: 'port', plural: 'ports' }, schema: PortResource, view: port },
  { names: { singular: 'network', plural: 'networks' }, schema: NetworkResource, view: network },
  { names: { singular: 'subnet', plural: 'subnets' }, schema: SubnetResource, view: subnet },
];

for (const { names, schema, view } of cases) {
  const responses = resourceResponses(names, schema);

  test(`${names.singular}: every attribute, null and nested value survives the serialiser`, async () => {
    const body = { [names.singular]: view };
    assert.deepEqual(await served(responses.one, body), plain(body));
  });

  test(`${names.singular}: an attribute the schema does not name is kept`, async () => {
    const body = { [names.singular]: { ...view, qos_policy_id: null, extension_attr: { a: [1] } } };
    assert.deepEqual(await served(responses.one, body), plain(body));
  });

  test(`${names.singular}: fields= subsets and an ordinary project's view (no admin attributes) pass`, async () => {
    const { id, name } = view;
    const body = { [names.plural]: [{ id, name }, { id }], [`${names.plural}_links`]: [] };
    assert.deepEqual(await served(responses.list, body), plain(body));
  });

  test(`${names.singular}: list links and single and bulk create bodies`, async () => {
    const links = [
      { rel: 'next', href: `http://h/v2.0/${names.plural}?limit=1&marker=${view.id}` },
      { rel: 'previous', href: `http://h/v2.0/${names.plural}?limit=1&marker=x&page_reverse=True` },
    ];
    const list = { [names.plural]: [view], [`${names.plural}_links`]: links };
    assert.deepEqual(await served(responses.list, list), plain(list));
    const single = { [names.singular]: view };
    assert.deepEqual(await served(responses.created, single), plain(single));
    const bulk = { [names.plural]: [view, view] };
    assert.deepEqual(await served(responses.created, bulk), plain(bulk));
  });
}
