import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import { parseIni } from '../../common/config-ini.js';
import { isQdhcpError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { createAgentRpc } from '../reconciler/agent-rpc.js';
import { resolveAgentConfig } from './agent-config.js';
import { Heartbeat } from './heartbeat.js';
import { AgentMetrics } from './metrics.js';
import { formatStatus, readStatus, serveStatus } from './status-socket.js';

describe('agent configuration', () => {
  test('file values, flags win, defaults', () => {
    const ini = parseIni(
      '[DEFAULT]\nhost = h1\ndhcp_driver = dnsmasq\n[AGENT]\nreport_interval = 5\n[linux_bridge]\nphysical_interface_mappings = physnet1:eth1\n',
    );
    const config = resolveAgentConfig(ini, { dhcp_driver: 'builtin', resync_interval: '7' });
    assert.equal(config.host, 'h1');
    assert.equal(config.driver, 'builtin');
    assert.equal(config.reportIntervalSeconds, 5);
    assert.equal(config.resyncIntervalSeconds, 7);
    assert.deepEqual([...config.physicalInterfaceMappings], [['physnet1', 'eth1']]);
    assert.deepEqual([...config.bridgeMappings], []);
    assert.equal(config.metricsBind, undefined);
    assert.equal(
      config.enableIsolatedMetadata,
      true,
      'on by default: a subnet is isolated until a router interface holds its gateway IP',
    );
    assert.equal(config.metadataBackend, 'builtin');
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['amqp exchange', { transport_url: 'amqp://guest@rabbit/?exchange=a%20b' }, /exchange "a b"/],
    ['unknown bus', { transport_url: 'kafka://x' }, /not a supported bus URL/],
    ['driver', { dhcp_driver: 'kea' }, /not one of builtin, dnsmasq/],
    ['mapping', { physical_interface_mappings: 'physnet1' }, /PHYSNET:IFACE/],
    [
      'bridge mapping',
      { bridge_mappings: 'br100' },
      /bad bridge mapping "br100" \(expected PHYSNET:BRIDGE\)/,
    ],
    ['bridge name', { bridge_mappings: 'physnet1:bridge-name-too-long' }, /is not a bridge name/],
    [
      'physnet in both mappings',
      { physical_interface_mappings: 'physnet1:eth1,physnet2:eth2', bridge_mappings: 'physnet2:br100' },
      /"physnet2" is in both physical_interface_mappings and bridge_mappings/,
    ],
    ['metrics bind', { metrics_bind: 'localhost' }, /HOST:PORT/],
    ['report interval', { report_interval: '0' }, /below the minimum 1/],
    ['boolean', { force_metadata: 'maybe' }, /not a boolean/],
    ['local ip', { local_ip: 'ten' }, /not an IPv4 address/],
    ['local ip octet', { local_ip: '10.0.0.300' }, /not an IPv4 address/],
    ['metadata backend', { metadata_backend: 'ec2' }, /not one of builtin, nova, nova-local, neutron-agent/],
    ['nova url', { nova_metadata_url: 'ftp://nova' }, /not an http\(s\) URL/],
    [
      'T1 not below the lease',
      { dhcp_lease_duration: '600', dhcp_renewal_time: '600' },
      /shorter than dhcp_lease_duration/,
    ],
    [
      'T2 not below the lease',
      { dhcp_lease_duration: '600', dhcp_rebinding_time: '900' },
      /shorter than dhcp_lease_duration/,
    ],
    [
      'T1 ≥ T2',
      { dhcp_renewal_time: '500', dhcp_rebinding_time: '400' },
      /dhcp_renewal_time \(500 s\) must be shorter than dhcp_rebinding_time \(400 s\)/,
    ],
    [
      'T1 ≥ default T2',
      { dhcp_lease_duration: '800', dhcp_renewal_time: '700' },
      /T2 \(7\/8 of the lease, 700 s\)/,
    ],
    [
      'T2 ≤ default T1',
      { dhcp_lease_duration: '800', dhcp_rebinding_time: '400' },
      /T1 \(half the lease, 400 s\)/,
    ],
    ['T1 of 2 s', { dhcp_renewal_time: '2' }, /too short/],
    ['negative T2', { dhcp_rebinding_time: '-5' }, /below the minimum 0/],
    [
      'T1 ≥ T2 with an infinite lease',
      { dhcp_lease_duration: '-1', dhcp_renewal_time: '90', dhcp_rebinding_time: '60' },
      /must be shorter/,
    ],
  ];
  for (const [name, flags, message] of refusals) {
    test(`refuses a bad ${name} with CONFIG_INVALID`, () => {
      assert.throws(
        () => resolveAgentConfig(undefined, flags),
        (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID') && message.test(error.message),
      );
    });
  }

  test('dhcp_renewal_time / dhcp_rebinding_time (T1/T2): off by default, accepted when T1 < T2 < lease', () => {
    const defaults = resolveAgentConfig(undefined, {});
    assert.deepEqual([defaults.dhcpRenewalTime, defaults.dhcpRebindingTime], [0, 0]);
    const ini = parseIni(
      '[DEFAULT]\ndhcp_lease_duration = 600\ndhcp_renewal_time = 100\ndhcp_rebinding_time = 200\n',
    );
    const set = resolveAgentConfig(ini, {});
    assert.deepEqual([set.dhcpRenewalTime, set.dhcpRebindingTime], [100, 200]);
    const infinite = resolveAgentConfig(undefined, { dhcp_lease_duration: '-1', dhcp_renewal_time: '100' });
    assert.equal(infinite.dhcpRenewalTime, 100);
  });

  test('bridge_mappings beside physical_interface_mappings, in [linux_bridge] as in Neutron', () => {
    const ini = parseIni(
      '[linux_bridge]\nphysical_interface_mappings = physnet1:eth1\nbridge_mappings = public:br100, ext:br-ex\n',
    );
    const config = resolveAgentConfig(ini, {});
    assert.deepEqual(
      [...config.bridgeMappings],
      [
        ['public', 'br100'],
        ['ext', 'br-ex'],
      ],
    );
    assert.deepEqual([...config.physicalInterfaceMappings], [['physnet1', 'eth1']]);
    assert.throws(
      () => resolveAgentConfig(parseIni('[AGENT]\nbridge_mappings = public:br100'), {}),
      /belongs in \[linux_bridge\]/,
    );
  });

  test('unknown keys and keys in the wrong section are errors', () => {
    assert.throws(() => resolveAgentConfig(parseIni('dhcp_drvier = x'), {}), /unknown option/);
    assert.throws(
      () => resolveAgentConfig(parseIni('[AGENT]\nlocal_ip = 10.0.0.1'), {}),
      /belongs in \[vxlan\]/,
    );
  });
});

describe('agent metrics', () => {
  test('renders counters per network, drops, and histograms in Prometheus text', () => {
    const metrics = new AgentMetrics();
    metrics.eventDropped('stale');
    metrics.eventApplied('port', 30);
    metrics.syncFinished('full', 0.2, true);
    const text = metrics.render({
      networks: [
        {
          networkId: 'n1',
          state: 'serving',
          counters: { 'received.DISCOVER': 3, 'sent.OFFER': 2, 'dropped.unknown-client': 1 },
        },
      ],
    });
    assert.match(text, /^qdhcp_agent_networks\{state="serving"\} 1$/m);
    assert.match(text, /^qdhcp_dhcp_messages_received_total\{network="n1",type="DISCOVER"\} 3$/m);
    assert.match(text, /^qdhcp_dhcp_messages_sent_total\{network="n1",type="OFFER"\} 2$/m);
    assert.match(text, /^qdhcp_dhcp_dropped_total\{network="n1",reason="unknown-client"\} 1$/m);
    assert.match(text, /^qdhcp_agent_events_dropped_total\{reason="stale"\} 1$/m);
    assert.match(text, /^qdhcp_agent_event_propagation_seconds_bucket\{resource="port",le="0.025"\} 0$/m);
    assert.match(text, /^qdhcp_agent_event_propagation_seconds_bucket\{resource="port",le="0.05"\} 1$/m);
    assert.match(text, /^qdhcp_agent_sync_duration_seconds_count\{scope="full",result="ok"\} 1$/m);
    assert.ok(text.endsWith('\n'));
  });
});

describe('status socket', () => {
  test('a client reads what the agent serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdhcp-status-'));
    try {
      const path = join(dir, 'agent.sock');
      const status = {
        host: 'h1',
        driver: 'builtin',
        startedAt: '2026-01-01T00:00:00.000Z',
        networks: [
          {
            networkId: 'n1',
            state: 'serving',
            since: '2026-01-01T00:00:01.000Z',
            revision: 4,
            ports: 3,
            subnets: 1,
            detail: undefined,
            namespace: 'qdhcp-n1',
            pid: undefined,
            counters: { 'sent.offer': 2, 'dns.queries': 5 },
          },
        ],
      };
      const server = await serveStatus(path, () => status);
      const read = await readStatus(path);
      assert.equal(read.networks[0]?.networkId, 'n1');
      assert.deepEqual(read.networks[0]?.counters, { 'sent.offer': 2, 'dns.queries': 5 });
      assert.match(
        formatStatus(read, Date.parse('2026-01-01T00:00:11.000Z')),
        /n1 {2}serving .*\(10s\) {2}rev 4/,
      );
      await server.close();
      await server.close();
      await assert.rejects(readStatus(path, 1000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('heartbeat', () => {
  test('startFlag until the first report is accepted; revived or new afterwards asks for a resync', async () => {
    const bus = createInProcessBus();
    const answers = ['down', 'new', 'alive', 'revived', 'new'];
    const flags: boolean[] = [];
    bus.serve('agent.report_state', async (params) => {
      flags.push(params['startFlag'] === true);
      const status = answers.shift();
      if (status === 'down') throw new Error('server starting');
      return { agentId: 'a1', status };
    });
    const resyncs: string[] = [];
    const rpc = createAgentRpc(bus);
    const heartbeat = new Heartbeat(
      (startFlag) =>
        rpc.call('agent.report_state', {
          host: 'h1',
          binary: 'qdhcp-agent',
          agentType: 'DHCP agent',
          availabilityZone: 'nova',
          startFlag,
          configurations: { driver: 'builtin', networks: 0, subnets: 0, ports: 0, physicalNetworks: [] },
        }),
      10,
      (reason) => resyncs.push(reason),
      createLogger({ level: 'silent' }),
    );
    await heartbeat.start();
    for (let i = 0; i < 100 && answers.length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await heartbeat.stop();
    assert.deepEqual(flags.slice(0, 5), [true, true, false, false, false]);
    assert.deepEqual(resyncs, ['server reports agent revived', 'server did not know agent']);
  });
});
