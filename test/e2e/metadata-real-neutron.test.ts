import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { BuiltinDriver } from '../../src/agent/drivers/builtin/builtin-driver.js';
import type { DriverDeps } from '../../src/agent/drivers/prepare-network.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import { MetadataProxyPeer } from '../../src/agent/metadata-proxy/metadata-peer.js';
import { createNeutronAgentBackend } from '../../src/agent/metadata-proxy/neutron-agent-backend.js';
import { MetadataProxy } from '../../src/agent/metadata-proxy/proxy-server.js';
import type { AgentNetwork, AgentPort, Subnet } from '../../src/agent/model.js';
import { dhcpPortDeviceId, tapName } from '../../src/agent/naming.js';
import { DEFAULT_PLUMBING_SETTINGS } from '../../src/agent/plumbing-settings.js';
import { DEFAULT_DHCP_SETTINGS } from '../../src/agent/settings.js';
import { AgentPort as AgentPortSchema, AgentSubnet } from '../../src/bus/dhcp-agent-rpc.js';
import { createLogger } from '../../src/common/logger.js';
import { runCommand } from '../../src/linux/run-command.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { metadataProxySocket } from '../support/neutron/neutron-config.js';
import { NeutronEnv } from '../support/neutron/neutron-env.js';
import type { NovaEcho } from '../support/nova-stand-in.js';

/**
 * Both agent-side behaviours of issue 16 against the REAL Neutron of test/support/neutron/ (neutron-server,
 * neutron-linuxbridge-agent, neutron-metadata-agent, private broker and database), with qdhcp's builtin
 * driver and metadata proxy driven in this process (how the agent learns the network — Neutron's DHCP RPC —
 * is test/e2e/neutron-agent.test.ts; here the network is read from Neutron's API):
 * - `l2_owner = neutron-linuxbridge`: qdhcp makes the namespace and `tap…`/`ns-…` of a DHCP port bound to the
 *   run's host; the REAL linuxbridge agent plugs that tap into the physnet's bridge; a probe on that bridge
 *   gets its lease from qdhcp.
 * - `metadata_backend = neutron-agent`: the probe's metadata request goes through qdhcp's proxy to the REAL
 *   neutron-metadata-agent, which asks neutron-server for the port (RPC `get_ports`) and signs to the Nova
 *   stand-in; forged identity headers change nothing.
 */
const skip = canUseNamespaces() ? false : 'needs root (bridges, namespaces)';
const CIDR = '10.86.0.0/24';

async function neutronNetwork(env: NeutronEnv, networkId: string): Promise<AgentNetwork> {
  const network = await env.client.request<Record<string, unknown>>(
    'GET',
    `/v2.0/networks/${networkId}`,
    undefined,
    200,
    'network',
  );
  const subnets = await env.client.request<Subnet[]>(
    'GET',
    `/v2.0/subnets?network_id=${networkId}`,
    undefined,
    200,
    'subnets',
  );
  const ports = await env.client.request<AgentPort[]>(
    'GET',
    `/v2.0/ports?network_id=${networkId}`,
    undefined,
    200,
    'ports',
  );
  // What the agent would accept from its control plane: Neutron's views against the agent contract's schemas.
  for (const port of ports) assert.ok(Value.Check(AgentPortSchema, port), JSON.stringify(port));
  for (const subnet of subnets) assert.ok(Value.Check(AgentSubnet, subnet), JSON.stringify(subnet));
  return {
    id: networkId,
    admin_state_up: network['admin_state_up'] === true,
    mtu: Number(network['mtu']),
    'provider:network_type': String(network['provider:network_type']),
    'provider:physical_network': String(network['provider:physical_network']),
    subnets,
    ports,
  };
}

describe('qdhcp beside a real Neutron: the L2 agent plugs the DHCP tap, neutron-metadata-agent answers', {
  skip,
  concurrency: false,
  timeout: 300_000,
}, () => {
  let env: NeutronEnv;
  let harness: DataPlaneHarness;
  let networkId: string;
  let dhcpPort: AgentPort;
  let vmPort: AgentPort;
  let probe: Namespace;
  const instanceId = randomUUID();

  before(async () => {
    env = await NeutronEnv.start({ tag: 'mdr', metadataAgent: true });
    ({ networkId } = await env.client.flatNetwork('qdhcp-md', 'physnet1', CIDR));
    env.trackNetwork(networkId);
    const deps: DriverDeps = {
      dhcp: { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true },
      // The linuxbridge agent wires taps in the root namespace: ours goes there (the run's teardown removes
      // the taps of its ports and the qdhcp-<net> namespaces of its networks).
      plumbing: {
        ...DEFAULT_PLUMBING_SETTINGS,
        namespacePrefix: `${env.sandbox.prefix}-`,
        l2Owner: 'neutron-linuxbridge',
      },
      dhcpDeviceId: (id) => dhcpPortDeviceId(env.host, id),
      logger: createLogger({ level: process.env['QDHCP_TEST_LOG'] ?? 'silent' }),
    };
    // Neutron's DHCP port, bound to the run's host so the linuxbridge agent there wires it.
    dhcpPort = await env.client.request<AgentPort>(
      'POST',
      '/v2.0/ports',
      {
        port: {
          network_id: networkId,
          device_owner: 'network:dhcp',
          device_id: deps.dhcpDeviceId(networkId),
          'binding:host_id': env.host,
        },
      },
      201,
      'port',
    );
    vmPort = await env.client.request<AgentPort>(
      'POST',
      '/v2.0/ports',
      {
        port: { network_id: networkId, device_owner: 'compute:nova', device_id: instanceId },
      },
      201,
      'port',
    );
    env.nova.addInstance(instanceId);
    const proxy = new MetadataProxy({
      backend: createNeutronAgentBackend({ socketPath: metadataProxySocket(env.stateDir) }),
      logger: deps.logger,
    });
    harness = new DataPlaneHarness(new BuiltinDriver(deps), deps, [
      new MetadataProxyPeer(proxy, { namespacePrefix: deps.plumbing.namespacePrefix, logger: deps.logger }),
    ]);
    await harness.enable(await neutronNetwork(env, networkId));
    probe = await env.addProbe('vm', 'physnet1', vmPort.mac_address);
  });

  after(async () => {
    await harness?.disable(networkId, { retainPort: false }).catch(() => undefined);
    await harness?.stop().catch(() => undefined);
    await env?.teardown();
    if (env !== undefined) console.log(`[metadata-real-neutron] ${env.summary()}; logs ${env.logDir}`);
  });

  test("the real linuxbridge agent plugs qdhcp's tap into the physnet bridge; qdhcp made no bridge", async () => {
    const tap = tapName(dhcpPort.id);
    const bridge = env.bridge('physnet1');
    const deadline = Date.now() + 60_000;
    let link = '';
    while (Date.now() < deadline) {
      link = (await runCommand('ip', ['-o', 'link', 'show', 'dev', tap], { allowFailure: true })).stdout;
      if (link.includes(`master ${bridge}`)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.match(link, new RegExp(`master ${bridge}`), link);
    const bridges = (await runCommand('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout;
    assert.doesNotMatch(bridges, new RegExp(`: brq${networkId.slice(0, 11)}`));
  });

  test('a probe on the physnet gets its lease from qdhcp', async () => {
    const bed = {
      script: (name: string, text: string) => {
        const path = env.sandbox.path(name);
        writeFileSync(path, text, { mode: 0o755 });
        return path;
      },
    };
    const got = await udhcpcOnce(bed, probe);
    const ip = vmPort.fixed_ips[0]?.ip_address;
    assert.equal(got?.['ip'], ip);
    // Like an instance: the address and the metadata route from the lease (option 121 via the DHCP port).
    const dhcpIp = dhcpPort.fixed_ips[0]?.ip_address ?? '';
    assert.match(
      got?.['staticroutes'] ?? '',
      new RegExp(`169\\.254\\.169\\.254/32 ${dhcpIp.replaceAll('.', '\\.')}`),
    );
    await probe.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await probe.ip(['route', 'add', '169.254.169.254/32', 'via', dhcpIp]);
  });

  test('its metadata request reaches Nova through neutron-metadata-agent, signed for its own instance', async () => {
    // Neutron gave the VM a random address: the forged one must not be it, or the check proves nothing.
    const forged = vmPort.fixed_ips[0]?.ip_address === '10.86.0.250' ? '10.86.0.251' : '10.86.0.250';
    const out = await probe.exec(
      'busybox',
      [
        'wget',
        '-q',
        '-O',
        '-',
        '--header',
        `X-Forwarded-For: ${forged}`,
        '--header',
        `X-Neutron-Router-ID: ${randomUUID()}`,
        '--header',
        'X-Instance-ID: someone-else',
        'http://169.254.169.254/openstack/latest/meta_data.json',
      ],
      { allowFailure: true, timeoutMs: 60_000 },
    );
    assert.equal(out.code, 0, out.stderr);
    const echo = JSON.parse(out.stdout) as NovaEcho;
    assert.deepEqual(echo, {
      uuid: instanceId,
      from: vmPort.fixed_ips[0]?.ip_address,
      path: '/openstack/latest/meta_data.json',
    });
    assert.ok(vmPort.tenant_id);
    assert.equal(env.nova.seen.at(-1)?.['x-tenant-id'], vmPort.tenant_id);
  });
});
