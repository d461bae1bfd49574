import type { MetadataContext, MetadataPort } from '../instance.js';

/** A port with one DHCP-enabled IPv4 subnet, as the tests' instances use. */
export const samplePort: MetadataPort = {
  id: '6a3f5b2c-9d1e-4f7a-8b0c-1d2e3f4a5b6c',
  networkId: '4b7dfef7-36f4-4346-82b8-f3c10e9b0149',
  macAddress: 'fa:16:3e:b2:03:74',
  mtu: 1450,
  fixedIps: [
    {
      ipAddress: '10.60.0.50',
      subnet: {
        id: '3a576639-a560-42dc-80ab-7115649565c9',
        cidr: '10.60.0.0/24',
        ipVersion: 4,
        gatewayIp: '10.60.0.1',
        enableDhcp: true,
        dnsNameservers: ['192.0.2.53'],
        hostRoutes: [{ destination: '172.31.0.0/16', nexthop: '10.60.0.1' }],
      },
    },
  ],
};

/** A second port of the same instance on a subnet without DHCP (static addressing in network_data.json). */
export const staticPort: MetadataPort = {
  id: '7b4e6c3d-0e2f-4a8b-9c1d-2e3f4a5b6c7d',
  networkId: '5c8e0a18-47a5-4457-93c2-a4d21f5a6c20',
  macAddress: 'fa:16:3e:00:11:22',
  mtu: 1500,
  fixedIps: [
    {
      ipAddress: '192.0.2.10',
      subnet: {
        id: '8d5f7e4a-1f30-4b9c-8d2e-3f4a5b6c7d8e',
        cidr: '192.0.2.0/24',
        ipVersion: 4,
        gatewayIp: '192.0.2.1',
        enableDhcp: false,
        dnsNameservers: ['192.0.2.53'],
        hostRoutes: [],
      },
    },
  ],
};

export function sampleContext(overrides: Partial<MetadataContext['instance']> = {}): MetadataContext {
  return {
    instance: {
      id: '0f4e2d8a-3c6b-4e1f-9a7d-5b2c8e1f3a6d',
      name: 'web-1',
      hostname: 'web-1',
      projectId: 'f1e2d3c4b5a697887766554433221100',
      availabilityZone: 'nova',
      launchIndex: 0,
      ec2Id: 10,
      publicKeys: [{ name: 'default', key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample qdhcp@test' }],
      userData: new TextEncoder().encode('#cloud-config\nhostname: web-1\n'),
      metadata: { role: 'web' },
      ...overrides,
    },
    requestPort: samplePort,
    requestIp: '10.60.0.50',
    ports: [samplePort, staticPort],
    domain: 'openstacklocal',
    randomBytes: (length) => new Uint8Array(length).fill(7),
  };
}

/**
 * cloud-init's own OpenStack and EC2 readers (Debian's cloud-init, run with `/usr/bin/python3 -c
 * CLOUD_INIT_READER BASE_URL KNOWN_MACS_JSON`): prints one JSON object with what they read — OpenStack
 * metadata, user data, vendor data, network_data.json converted to cloud-init's network config (`net`),
 * the EC2 2009-04-04 metadata and user data (other bytes, e.g. random_seed, as backslash-escaped text).
 */
export const CLOUD_INIT_READER = `
import json, sys
from cloudinit.sources.helpers import ec2, openstack
base = sys.argv[1]
known_macs = json.loads(sys.argv[2])
os_md = openstack.MetadataReader(base, timeout=2, retries=0).read_v2()
net = openstack.convert_net_json(os_md['networkdata'], known_macs=known_macs)
ec2_md = ec2.get_instance_metadata('2009-04-04', base, timeout=2, retries=0)
ec2_ud = ec2.get_instance_userdata('2009-04-04', base, timeout=2, retries=0)
print(json.dumps({'openstack': {'metadata': os_md['metadata'], 'userdata': os_md['userdata'].decode() if isinstance(os_md['userdata'], bytes) else os_md['userdata'], 'vendordata': os_md.get('vendordata'), 'net': net}, 'ec2': ec2_md, 'ec2_userdata': ec2_ud.decode()}, default=lambda o: o.decode(errors='backslashreplace') if isinstance(o, bytes) else str(o)))
`;
