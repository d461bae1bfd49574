import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isQdhcpError } from '../../common/errors.js';
import type { AgentNetwork, AgentPort, Subnet } from '../model.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpContext, type DhcpSettings } from '../settings.js';
import { deriveDhcpConfig } from './derive.js';
import {
  dnsmasqArguments,
  dnsmasqPaths,
  rangeText,
  renderAddnHostsFile,
  renderHostsFile,
  renderOptsFile,
} from './render.js';

// The example network of /work/shared/reference/neutron-dhcp-agent-observed.md (real ids from that run).
const NET = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const SUBNET = '3a576639-a560-42dc-80ab-7115649565c9';
const PXE_PORT = 'a1dcadc7-1527-4d33-9b78-5d0c2daafe4f';
const OBSERVED_SETTINGS: DhcpSettings = { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true };

const observedSubnet: Subnet = {
  id: SUBNET,
  ip_version: 4,
  cidr: '10.60.0.0/24',
  gateway_ip: '10.60.0.1',
  enable_dhcp: true,
  dns_nameservers: ['192.0.2.53'],
  host_routes: [{ destination: '172.31.0.0/16', nexthop: '10.60.0.1' }],
};
const dhcpPort: AgentPort = {
  id: '9f034b55-6c11-4c55-8f3a-3b1e0b6a8a11',
  mac_address: 'fa:16:3e:11:22:33',
  fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.60.0.10' }],
  device_owner: 'network:dhcp',
  device_id: `dhcpe5e61fb5-d685-5b50-9ba7-acb6e6962ef3-${NET}`,
};
const observedNetwork: AgentNetwork = {
  id: NET,
  admin_state_up: true,
  mtu: 1500,
  subnets: [observedSubnet],
  ports: [
    dhcpPort,
    {
      id: PXE_PORT,
      mac_address: 'fa:16:3e:b2:03:74',
      fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.60.0.50' }],
      device_owner: 'compute:nova',
      extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 }],
    },
    {
      id: 'c0ffee00-0000-4000-8000-000000000064',
      mac_address: 'fa:16:3e:df:cd:6b',
      fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.60.0.64' }],
      device_owner: 'compute:nova',
      extra_dhcp_opts: [],
    },
  ],
};
const observedContext: DhcpContext = { settings: OBSERVED_SETTINGS, dhcpPort };

describe('the observed example network renders byte-for-byte', () => {
  const config = deriveDhcpConfig(observedNetwork, observedContext);

  test('host file', () => {
    assert.equal(
      renderHostsFile(config),
      'fa:16:3e:b2:03:74,host-10-60-0-50.openstacklocal,10.60.0.50,set:port-a1dcadc7-1527-4d33-9b78-5d0c2daafe4f\n' +
        'fa:16:3e:df:cd:6b,host-10-60-0-64.openstacklocal,10.60.0.64\n',
    );
  });

  test('addn_hosts file', () => {
    assert.equal(
      renderAddnHostsFile(config),
      '10.60.0.50\thost-10-60-0-50.openstacklocal host-10-60-0-50\n' +
        '10.60.0.64\thost-10-60-0-64.openstacklocal host-10-60-0-64\n',
    );
  });

  test('opts file (no trailing newline)', () => {
    const tag = `tag:subnet-${SUBNET}`;
    const routes = '172.31.0.0/16,10.60.0.1,169.254.169.254/32,10.60.0.10,0.0.0.0/0,10.60.0.1';
    assert.equal(
      renderOptsFile(config),
      [
        `${tag},option:dns-server,192.0.2.53`,
        `${tag},option:classless-static-route,${routes}`,
        `${tag},249,${routes}`,
        `${tag},option:router,10.60.0.1`,
        `tag:port-${PXE_PORT},option:bootfile-name,pxelinux.0`,
      ].join('\n'),
    );
  });

  test('dnsmasq command line (Neutron part identical, then -k and --port=0)', () => {
    const dir = `/state/dhcp/${NET}`;
    const args = dnsmasqArguments(config, dnsmasqPaths(dir), { dnsEnabled: false, foreground: true });
    assert.deepEqual(args, [
      '--no-hosts',
      '--no-resolv',
      `--pid-file=${dir}/pid`,
      `--dhcp-hostsfile=${dir}/host`,
      `--addn-hosts=${dir}/addn_hosts`,
      `--dhcp-optsfile=${dir}/opts`,
      `--dhcp-leasefile=${dir}/leases`,
      '--dhcp-match=set:ipxe,175',
      '--dhcp-userclass=set:ipxe6,iPXE',
      '--local-service',
      '--bind-dynamic',
      `--dhcp-range=set:subnet-${SUBNET},10.60.0.0,static,255.255.255.0,86400s`,
      '--dhcp-option-force=option:mtu,1500',
      '--dhcp-lease-max=256',
      '--conf-file=/dev/null',
      '--domain=openstacklocal',
      '--keep-in-foreground',
      '--port=0',
    ]);
  });
});

test('the /16 example: no nameservers, no host routes, DHCP port 10.71.0.2', () => {
  const subnetId = '675ecbf1-9bce-4519-b8ba-eecf4bd59760';
  const port: AgentPort = {
    id: 'd0d0d0d0-0000-4000-8000-000000000002',
    mac_address: 'fa:16:3e:00:00:02',
    fixed_ips: [{ subnet_id: subnetId, ip_address: '10.71.0.2' }],
    device_owner: 'network:dhcp',
  };
  const network: AgentNetwork = {
    id: '2a58e67d-0000-4000-8000-000000000000',
    admin_state_up: true,
    mtu: 1500,
    subnets: [
      {
        id: subnetId,
        ip_version: 4,
        cidr: '10.71.0.0/16',
        gateway_ip: '10.71.0.1',
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
      },
    ],
    ports: [port],
  };
  const config = deriveDhcpConfig(network, { settings: OBSERVED_SETTINGS, dhcpPort: port });
  const tag = `tag:subnet-${subnetId}`;
  assert.equal(
    renderOptsFile(config),
    [
      `${tag},option:classless-static-route,169.254.169.254/32,10.71.0.2,0.0.0.0/0,10.71.0.1`,
      `${tag},249,169.254.169.254/32,10.71.0.2,0.0.0.0/0,10.71.0.1`,
      `${tag},option:router,10.71.0.1`,
    ].join('\n'),
  );
  assert.equal(config.leaseMax, 65536);
  assert.equal(renderHostsFile(config), '');
});

/** A one-subnet network with overrides, for the table below. */
function network(
  subnet: Partial<Subnet>,
  ports: readonly AgentPort[],
  extraSubnets: readonly Subnet[] = [],
): AgentNetwork {
  return {
    id: NET,
    admin_state_up: true,
    mtu: 0,
    subnets: [{ ...observedSubnet, host_routes: [], dns_nameservers: [], ...subnet }, ...extraSubnets],
    ports,
  };
}
const vm = (id: string, ip: string, extra: Partial<AgentPort> = {}): AgentPort => ({
  id,
  mac_address: `fa:16:3e:00:00:${id.slice(-2)}`,
  fixed_ips: [{ subnet_id: SUBNET, ip_address: ip }],
  device_owner: 'compute:nova',
  ...extra,
});
const T = `tag:subnet-${SUBNET}`;

const OPTS_CASES: ReadonlyArray<{
  readonly name: string;
  readonly network: AgentNetwork;
  readonly settings?: Partial<DhcpSettings>;
  readonly opts: readonly string[];
}> = [
  {
    name: 'no gateway: option:router with no value, no routes',
    network: network({ gateway_ip: null }, []),
    settings: { enableIsolatedMetadata: false },
    opts: [`${T},option:router`],
  },
  {
    name: 'no gateway: the first 0.0.0.0/0 host route becomes the gateway',
    network: network(
      {
        gateway_ip: null,
        host_routes: [
          { destination: '0.0.0.0/0', nexthop: '10.60.0.7' },
          { destination: '0.0.0.0/0', nexthop: '10.60.0.8' },
          { destination: '192.0.2.0/24', nexthop: '10.60.0.9' },
        ],
      },
      [],
    ),
    settings: { enableIsolatedMetadata: false },
    opts: [
      `${T},option:classless-static-route,192.0.2.0/24,10.60.0.9,0.0.0.0/0,10.60.0.7`,
      `${T},249,192.0.2.0/24,10.60.0.9,0.0.0.0/0,10.60.0.7`,
      `${T},option:router,10.60.0.7`,
    ],
  },
  {
    name: 'all nameservers 0.0.0.0: dns-server with no value',
    network: network({ dns_nameservers: ['0.0.0.0'] }, []),
    settings: { enableIsolatedMetadata: false },
    opts: [`${T},option:dns-server`, `${T},option:router,10.60.0.1`],
  },
  {
    name: 'router-attached subnet: metadata via the gateway even with metadata off',
    network: network({}, [vm('router-01', '10.60.0.1', { device_owner: 'network:router_interface' })]),
    settings: { enableIsolatedMetadata: false },
    opts: [
      `${T},option:classless-static-route,169.254.169.254/32,10.60.0.1,0.0.0.0/0,10.60.0.1`,
      `${T},249,169.254.169.254/32,10.60.0.1,0.0.0.0/0,10.60.0.1`,
      `${T},option:router,10.60.0.1`,
    ],
  },
  {
    // Issue 13: with enable_isolated_metadata on (qdhcp's default), a subnet whose gateway is a router
    // interface is no longer isolated: 169.254.169.254/32 goes via the router (which redirects it to the
    // agent's listener in its namespace), never via the DHCP port (10.60.0.10).
    name: 'router-attached subnet with enable_isolated_metadata: the metadata route via the router, not the DHCP port',
    network: network({}, [vm('router-01', '10.60.0.1', { device_owner: 'network:router_interface' })]),
    settings: { enableIsolatedMetadata: true },
    opts: [
      `${T},option:classless-static-route,169.254.169.254/32,10.60.0.1,0.0.0.0/0,10.60.0.1`,
      `${T},249,169.254.169.254/32,10.60.0.1,0.0.0.0/0,10.60.0.1`,
      `${T},option:router,10.60.0.1`,
    ],
  },
  {
    name: 'a router port on a non-gateway address leaves the subnet isolated',
    network: network({}, [vm('router-02', '10.60.0.2', { device_owner: 'network:router_interface' })]),
    settings: { enableIsolatedMetadata: false },
    opts: [`${T},option:router,10.60.0.1`],
  },
  {
    name: 'force_metadata on a routed subnet: via the DHCP port',
    network: network({}, [vm('router-01', '10.60.0.1', { device_owner: 'network:router_interface' })]),
    settings: { forceMetadata: true },
    opts: [
      `${T},option:classless-static-route,169.254.169.254/32,10.60.0.10,0.0.0.0/0,10.60.0.1`,
      `${T},249,169.254.169.254/32,10.60.0.10,0.0.0.0/0,10.60.0.1`,
      `${T},option:router,10.60.0.1`,
    ],
  },
  {
    name: 'per-port options: tag prefix, numeric option, IPv6 option dropped without an IPv6 address, client-id skipped',
    network: network({}, [
      vm('port-0001', '10.60.0.21', {
        extra_dhcp_opts: [
          { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://boot/ipxe' },
          { opt_name: 'tag:!ipxe,67', opt_value: 'undionly.kpxe', ip_version: 4 },
          { opt_name: 'tag:a,tag:!b,67', opt_value: 'two-tags.efi', ip_version: 4 },
          { opt_name: 'tag:a,bad,67', opt_value: 'refused', ip_version: 4 },
          { opt_name: '66', opt_value: '192.0.2.10', ip_version: 4 },
          { opt_name: '255', opt_value: '192.0.2.10', ip_version: 4 },
          { opt_name: 'dns-server', opt_value: '[2001:db8::1]', ip_version: 6 },
          { opt_name: 'client-id', opt_value: 'abc' },
          { opt_name: 'mtu', opt_value: null },
        ],
      }),
    ]),
    settings: { enableIsolatedMetadata: false },
    opts: [
      `${T},option:router,10.60.0.1`,
      'tag:port-port-0001,tag:ipxe,option:bootfile-name,http://boot/ipxe',
      // Ironic's lines; Neutron's greedy `(tag:(.*),)?` takes every tag up to the last comma.
      'tag:port-port-0001,tag:!ipxe,67,undionly.kpxe',
      'tag:port-port-0001,tag:a,tag:!b,67,two-tags.efi',
      'tag:port-port-0001,tag:a,bad,67,refused',
      'tag:port-port-0001,66,192.0.2.10',
      'tag:port-port-0001,255,192.0.2.10',
    ],
  },
  {
    name: 'two DHCP agents on a subnet without nameservers: both addresses as DNS servers',
    network: network({}, [
      { ...dhcpPort },
      { ...dhcpPort, id: 'dhcp-second', fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.60.0.11' }] },
    ]),
    settings: { enableIsolatedMetadata: false },
    opts: [`${T},option:router,10.60.0.1`, `${T},option:dns-server,10.60.0.10,10.60.0.11`],
  },
  {
    name: 'sibling IPv4 subnets become on-link routes, prepended (so in reverse order)',
    network: network(
      {},
      [],
      [
        {
          ...observedSubnet,
          id: 'sub-b',
          cidr: '10.61.0.0/24',
          gateway_ip: '10.61.0.1',
          host_routes: [],
          dns_nameservers: [],
        },
        {
          ...observedSubnet,
          id: 'sub-c',
          cidr: '10.62.0.0/24',
          gateway_ip: '10.62.0.1',
          host_routes: [],
          dns_nameservers: [],
        },
      ],
    ),
    settings: { enableIsolatedMetadata: false },
    opts: [
      `${T},option:classless-static-route,10.62.0.0/24,0.0.0.0,10.61.0.0/24,0.0.0.0,0.0.0.0/0,10.60.0.1`,
      `${T},249,10.62.0.0/24,0.0.0.0,10.61.0.0/24,0.0.0.0,0.0.0.0/0,10.60.0.1`,
      `${T},option:router,10.60.0.1`,
      'tag:subnet-sub-b,option:classless-static-route,10.62.0.0/24,0.0.0.0,10.60.0.0/24,0.0.0.0,0.0.0.0/0,10.61.0.1',
      'tag:subnet-sub-b,249,10.62.0.0/24,0.0.0.0,10.60.0.0/24,0.0.0.0,0.0.0.0/0,10.61.0.1',
      'tag:subnet-sub-b,option:router,10.61.0.1',
      'tag:subnet-sub-c,option:classless-static-route,10.61.0.0/24,0.0.0.0,10.60.0.0/24,0.0.0.0,0.0.0.0/0,10.62.0.1',
      'tag:subnet-sub-c,249,10.61.0.0/24,0.0.0.0,10.60.0.0/24,0.0.0.0,0.0.0.0/0,10.62.0.1',
      'tag:subnet-sub-c,option:router,10.62.0.1',
    ],
  },
  {
    name: 'DHCP-disabled subnet: no options',
    network: network({ enable_dhcp: false }, []),
    opts: [],
  },
];

describe('option lines follow spec 5.5', () => {
  for (const row of OPTS_CASES) {
    test(row.name, () => {
      const config = deriveDhcpConfig(row.network, {
        settings: { ...OBSERVED_SETTINGS, ...row.settings },
        dhcpPort,
      });
      assert.equal(renderOptsFile(config), row.opts.join('\n'));
    });
  }
});

const HOST_CASES: ReadonlyArray<{ readonly name: string; readonly port: AgentPort; readonly host: string }> =
  [
    {
      name: 'plain',
      port: vm('port-0001', '10.60.0.21'),
      host: 'fa:16:3e:00:00:01,host-10-60-0-21.openstacklocal,10.60.0.21\n',
    },
    {
      name: 'only client-id',
      port: vm('port-0002', '10.60.0.22', {
        extra_dhcp_opts: [{ opt_name: 'client-id', opt_value: '01:aa:bb' }],
      }),
      host: 'fa:16:3e:00:00:02,id:01:aa:bb,host-10-60-0-22.openstacklocal,10.60.0.22\n',
    },
    {
      name: 'client-id and another option',
      port: vm('port-0003', '10.60.0.23', {
        extra_dhcp_opts: [
          { opt_name: '61', opt_value: 'vm3' },
          { opt_name: 'tftp-server', opt_value: '192.0.2.10' },
        ],
      }),
      host: 'fa:16:3e:00:00:03,id:vm3,host-10-60-0-23.openstacklocal,10.60.0.23,set:port-port-0003\n',
    },
    {
      name: 'dns_assignment is used verbatim (trailing dot kept)',
      port: vm('port-0004', '10.60.0.24', {
        dns_assignment: [{ ip_address: '10.60.0.24', hostname: 'myvm', fqdn: 'myvm.example.org.' }],
      }),
      host: 'fa:16:3e:00:00:04,myvm.example.org.,10.60.0.24\n',
    },
    {
      name: 'router interface ports are served (spec 4.7), DHCP ports are not',
      port: vm('port-0005', '10.60.0.25', { device_owner: 'network:router_interface' }),
      host: 'fa:16:3e:00:00:05,host-10-60-0-25.openstacklocal,10.60.0.25\n',
    },
    {
      name: 'network:dhcp owner is skipped',
      port: vm('port-0006', '10.60.0.26', { device_owner: 'network:dhcp' }),
      host: '',
    },
    {
      name: 'IPv6: stateless tag line first, then the stateful address in brackets',
      port: {
        ...vm('port-0007', '10.60.0.27'),
        fixed_ips: [
          { subnet_id: 'v6-stateful', ip_address: '2001:db8:1::7' },
          { subnet_id: 'v6-stateless', ip_address: '2001:db8:2::7' },
          { subnet_id: 'v6-slaac', ip_address: '2001:db8:3::7' },
        ],
        extra_dhcp_opts: [{ opt_name: 'dns-server', opt_value: '[2001:db8::53]', ip_version: 6 }],
      },
      host:
        'fa:16:3e:00:00:07,tag:dhcpv6,set:port-port-0007\n' +
        'fa:16:3e:00:00:07,tag:dhcpv6,host-2001-db8-1--7.openstacklocal,[2001:db8:1::7],set:port-port-0007\n',
    },
  ];

const V6_SUBNETS: readonly Subnet[] = [
  {
    id: 'v6-stateful',
    ip_version: 6,
    cidr: '2001:db8:1::/64',
    gateway_ip: null,
    enable_dhcp: true,
    dns_nameservers: [],
    host_routes: [],
    ipv6_address_mode: 'dhcpv6-stateful',
  },
  {
    id: 'v6-stateless',
    ip_version: 6,
    cidr: '2001:db8:2::/64',
    gateway_ip: null,
    enable_dhcp: true,
    dns_nameservers: [],
    host_routes: [],
    ipv6_address_mode: 'dhcpv6-stateless',
  },
  {
    id: 'v6-slaac',
    ip_version: 6,
    cidr: '2001:db8:3::/64',
    gateway_ip: null,
    enable_dhcp: true,
    dns_nameservers: [],
    host_routes: [],
    ipv6_address_mode: 'slaac',
    ipv6_ra_mode: 'slaac',
  },
];

describe('host lines follow spec 5.3', () => {
  for (const row of HOST_CASES) {
    test(row.name, () => {
      const config = deriveDhcpConfig(network({}, [row.port], V6_SUBNETS), observedContext);
      assert.equal(renderHostsFile(config), row.host);
    });
  }
});

test('IPv6 ranges: stateful and stateless get one (prefix length), SLAAC none; domain-search per subnet', () => {
  const config = deriveDhcpConfig(network({}, [], V6_SUBNETS), {
    settings: { ...OBSERVED_SETTINGS, leaseSeconds: -1 },
    dhcpPort,
  });
  assert.deepEqual(config.ranges.map(rangeText), [
    `set:subnet-${SUBNET},10.60.0.0,static,255.255.255.0,infinite`,
    'set:subnet-v6-stateful,2001:db8:1::,static,64,infinite',
    'set:subnet-v6-stateless,2001:db8:2::,static,64,infinite',
  ]);
  assert.match(renderOptsFile(config), /^tag:subnet-v6-stateful,option6:domain-search,openstacklocal$/m);
  assert.doesNotMatch(renderOptsFile(config), /v6-slaac/);
});

test('addn_hosts lists every fixed IP, also on DHCP-disabled subnets, never DHCP ports', () => {
  const off: Subnet = { ...observedSubnet, id: 'off', cidr: '10.99.0.0/24', enable_dhcp: false };
  const port: AgentPort = {
    ...vm('port-0008', '10.60.0.28'),
    fixed_ips: [...vm('x', '10.60.0.28').fixed_ips, { subnet_id: 'off', ip_address: '10.99.0.8' }],
  };
  const config = deriveDhcpConfig(network({}, [port, dhcpPort], [off]), observedContext);
  assert.equal(
    renderAddnHostsFile(config),
    '10.60.0.28\thost-10-60-0-28.openstacklocal host-10-60-0-28\n10.99.0.8\thost-10-99-0-8.openstacklocal host-10-99-0-8\n',
  );
  assert.equal(renderHostsFile(config), 'fa:16:3e:00:00:08,host-10-60-0-28.openstacklocal,10.60.0.28\n');
});

test('empty dns_domain: bare hostnames, no --domain; T1/T2 forced after --dhcp-lease-max', () => {
  const config = deriveDhcpConfig(network({}, [vm('port-0009', '10.60.0.29')]), {
    settings: { ...OBSERVED_SETTINGS, dnsDomain: '', renewalSeconds: 600, rebindingSeconds: 900 },
    dhcpPort,
  });
  assert.equal(renderHostsFile(config), 'fa:16:3e:00:00:09,host-10-60-0-29,10.60.0.29\n');
  const args = dnsmasqArguments(config, dnsmasqPaths('/d'), { dnsEnabled: true, foreground: false });
  assert.deepEqual(args.slice(-4), [
    '--dhcp-lease-max=256',
    '--dhcp-option-force=option:T1,600s',
    '--dhcp-option-force=option:T2,900s',
    '--conf-file=/dev/null',
  ]);
});

test('a subnet with a bad CIDR is a typed error', () => {
  assert.throws(
    () => deriveDhcpConfig(network({ cidr: 'banana' }, []), observedContext),
    (error: unknown) => isQdhcpError(error, 'NETWORK_MODEL_INVALID'),
  );
});
