/**
 * Server and agent as separate processes over RabbitMQ (issue 7), as an operator runs them on one node:
 * `qdhcp server --db sqlite:… --bus amqp://…` and `qdhcp agent --bus amqp://… --host NAME`, on the shared
 * broker at 127.0.0.1:5672 under an exchange prefix of this test (deleted at the end). The agent's
 * bridges and taps live in the test's host namespace (`--host-namespace`), its DHCP namespaces under the
 * test's prefix; `qdhcp probe` plays the instances (real udhcpc). The multi-host proof (relay, two hosts,
 * two servers, failover, broker restart) is in `scaleout-*.test.ts`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAmqpBus } from '../../src/bus/amqp-bus.js';
import { resyncRequest } from '../../src/bus/resync-request.js';
import { deleteBrokerObjects } from '../../src/bus/testing/broker-cleanup.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';
import { ManagedProcess } from '../support/process.js';
import { freePort, type ServerProcess, startServerProcess } from './api-server-process.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const QDHCP = join(ROOT, 'bin', 'qdhcp');
const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
const HOST = 'amqp-e2e-host';
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

type Json = Record<string, unknown>;

describe('server and agent processes over RabbitMQ', { skip }, () => {
  const prefix = `qdhcp-e2e-${process.pid}`;
  const busUrl = `${BROKER}?exchange=${prefix}`;
  let bed: AgentTestbed;
  let server: ServerProcess | undefined;
  let agent: ManagedProcess | undefined;
  let agentMetrics = '';

  const call = async (method: string, path: string, body?: Json): Promise<Json> => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${server?.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as Json;
  };
  const probe = (name: string, networkId: string) =>
    runCommand(
      QDHCP,
      [
        ...['probe', 'create', '--network', networkId, '--name', name, '--api', String(server?.url)],
        ...['--state-dir', bed.path('probes'), '--namespace-prefix', bed.namespacePrefix],
        ...['--host-namespace', bed.host.name, '--timeout', '20'],
      ],
      { timeoutMs: 60_000, allowFailure: true },
    );
  const leased = async (name: string, networkId: string): Promise<string> => {
    const out = await probe(name, networkId);
    const ip = /bound (\d+\.\d+\.\d+\.\d+)\//.exec(out.stdout)?.[1];
    assert.ok(ip, `probe ${name}: ${out.stdout}${out.stderr}\n--- agent ---\n${agent?.output()}`);
    return ip;
  };

  before(async () => {
    bed = await AgentTestbed.create('amq');
    agentMetrics = `http://127.0.0.1:${await freePort()}/metrics`;
    server = await startServerProcess([
      ...['--db', `sqlite:${bed.path('server.sqlite')}`, '--state-dir', bed.path('server')],
      ...['--bus', busUrl],
    ]);
    agent = ManagedProcess.start('agent', QDHCP, [
      ...['agent', '--bus', busUrl, '--host', HOST, '--state-dir', bed.path('agent')],
      ...['--namespace-prefix', bed.namespacePrefix, '--host-namespace', bed.host.name],
      ...['--report-interval', '2', '--metrics-bind', new URL(agentMetrics).host],
    ]);
    await agent.waitForOutput(/qdhcp agent started/, 20_000);
  });

  after(async () => {
    await agent?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    const ours = (await listNamespaces().catch(() => [])).filter((n) => n.startsWith(bed.namespacePrefix));
    await bed.removeNamespaces(ours);
    await bed.teardown();
    await deleteBrokerObjects(BROKER, prefix).catch(() => undefined);
  });

  test('the agent registers over the bus, gets the network scheduled, and serves ports created through the API', async () => {
    // The agent's L2 role reports as a Linux bridge agent too (issue 13): the DHCP one is asked for.
    const agents = await call('GET', '/v2.0/agents?agent_type=DHCP%20agent');
    const registered = agents['agents'] as Json[];
    assert.deepEqual(
      registered.map((a) => [a['host'], a['alive']]),
      [[HOST, true]],
      'agent.report_state arrived over RabbitMQ',
    );
    const network = (await call('POST', '/v2.0/networks', { network: { name: 'amqp-net' } }))[
      'network'
    ] as Json;
    const networkId = String(network['id']);
    await call('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, ip_version: 4, cidr: '10.61.0.0/24' },
    });
    // First instance: the scheduler's binding event and dhcp.get_network bring the agent the network.
    const first = await leased('vm1', networkId);
    assert.match(first, /^10\.61\.0\.\d+$/);
    const hosting = (await call('GET', `/v2.0/networks/${networkId}/dhcp-agents`))['agents'] as Json[];
    assert.deepEqual(
      hosting.map((a) => a['host']),
      [HOST],
    );
    // Second instance on the served network: its port reaches the agent as an addressed port event.
    const second = await leased('vm2', networkId);
    assert.notEqual(second, first);
  });

  test('both processes show their bus on /metrics: connected, messages both ways, call latency', async () => {
    const scrape = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    const value = (text: string, name: string) =>
      Number(new RegExp(`^${name}\\{transport="amqp"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const serverText = await scrape(`${server?.url}/metrics`);
    const agentText = await scrape(agentMetrics);
    for (const text of [serverText, agentText]) {
      assert.equal(value(text, 'qdhcp_bus_connected'), 1);
      assert.ok(value(text, 'qdhcp_bus_messages_in_total') > 0);
      assert.ok(value(text, 'qdhcp_bus_messages_out_total') > 0);
      assert.equal(value(text, 'qdhcp_bus_messages_invalid_total'), 0);
    }
    assert.ok(value(agentText, 'qdhcp_bus_request_seconds_count') > 0, 'the agent made calls');
  });

  test("a server's resync request (after a publish it could not make) makes the agent resync everything", async () => {
    const serverSide = await createAmqpBus(busUrl);
    try {
      await serverSide.publish(resyncRequest('e2e-server', 'a publish was refused'));
      const deadline = Date.now() + 20_000;
      while (!/"reason":"e2e-server asked: a publish was refused"/.test(agent?.output() ?? '')) {
        assert.ok(Date.now() < deadline, `no full resync for the request:\n${agent?.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await serverSide.close();
    }
  });
  test('qdhcp agent without an AMQP bus refuses to start (exit 2, says what to give)', async () => {
    const out = await runCommand(QDHCP, ['agent', '--state-dir', bed.path('refused')], {
      timeoutMs: 20_000,
      allowFailure: true,
    });
    assert.equal(out.code, 2);
    assert.match(out.stderr, /qdhcp agent: .*the inprocess:\/\/ bus only connects .* --bus amqp:\/\//);
  });
});
