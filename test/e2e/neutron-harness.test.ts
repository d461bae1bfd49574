/**
 * The real-Neutron harness (test/support/neutron/) works: a run brings up its private broker, database,
 * neutron-server and linuxbridge agent, the server lists the agent alive under the run's host, a flat network
 * on the run's physnet can be made, and teardown leaves nothing behind (no database, namespace, device or
 * process of the run). Cheap on purpose: what qdhcp does with it is test/e2e/neutron-agent.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runCommand } from '../../src/linux/run-command.js';
import { canUseNamespaces } from '../support/netns.js';
import { neutronDhcpDeviceId, uuid5 } from '../support/neutron/dhcp-device-id.js';
import { NeutronEnv } from '../support/neutron/neutron-env.js';
import { runNamespaces, tapName } from '../support/neutron/run-devices.js';

const skip = canUseNamespaces() ? false : 'needs root (bridges, namespaces)';

test('run-devices: only namespaces of the run networks, with or without a prefix', () => {
  const mine = 'aa0a1b2c-0000-4000-8000-000000000001';
  const other = 'bb0a1b2c-0000-4000-8000-000000000002';
  const cases: [string, boolean][] = [
    [`qdhcp-${mine}`, true],
    [`qxyz123qdhcp-${mine}`, true],
    [`qdhcp-${other}`, false],
    [`qdhcp-${mine}-x`, false],
    ['qdhcp-', false],
    [`qrouter-${mine.slice(1)}`, false],
  ];
  for (const [name, expected] of cases)
    assert.equal(runNamespaces([name], new Set([mine])).length === 1, expected, name);
  assert.equal(tapName('9f034b55-6c2d-4e1f-9a7d-5b2c8e1f3a6d'), 'tap9f034b55-6c');
});

test("uuid5 and the DHCP port's device id are Python's (values from CPython's uuid module)", () => {
  const cases: [string, string][] = [
    ['python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
    ['qnagabc123-host', '690d4fd4-da8e-5ea5-acc7-759385986353'],
  ];
  for (const [name, expected] of cases)
    assert.equal(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', name), expected);
  const net = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
  // Only the host's first label counts (Neutron's get_dhcp_agent_device_id).
  assert.equal(
    neutronDhcpDeviceId('qnagabc123-host.example.org', net),
    `dhcp690d4fd4-da8e-5ea5-acc7-759385986353-${net}`,
  );
});

describe('real Neutron harness', { skip }, () => {
  test('brings up server + linuxbridge agent, lists the agent alive, cleans up', {
    timeout: 240_000,
  }, async () => {
    const env = await NeutronEnv.start({ tag: 'nhs' });
    let database = '';
    try {
      const agent = await env.client.waitForAgent(
        { agentType: 'Linux bridge agent', host: env.host },
        true,
        1000,
      );
      assert.deepEqual(agent.configurations['bridge_mappings'], { physnet1: env.bridge('physnet1') });
      const listed = await env.client.openstackJson<{ Host: string; Alive: boolean }[]>(
        'network',
        'agent',
        'list',
        '--host',
        env.host,
      );
      assert.deepEqual(
        listed.map((row) => [row.Host, row.Alive]),
        [[env.host, true]],
      );
      const { networkId } = await env.client.flatNetwork('harness', 'physnet1', '10.251.0.0/24');
      const network = await env.client.request(
        'GET',
        `/v2.0/networks/${networkId}`,
        undefined,
        200,
        'network',
      );
      assert.equal(network['provider:physical_network'], 'physnet1');
      database = `qn_${env.sandbox.prefix}`;
    } finally {
      await env.teardown();
      console.log(`[neutron-harness] ${env.summary()}; logs ${env.logDir}`);
    }
    const databases = await runCommand('mysql', ['-N', '-B', '-e', 'SHOW DATABASES']);
    assert.ok(!databases.stdout.split('\n').includes(database), 'the run database is dropped');
    const links = await runCommand('ip', ['-br', 'link']);
    assert.ok(!links.stdout.includes(env.sandbox.prefix), `no device of the run is left:\n${links.stdout}`);
    assert.equal(existsSync(env.sandbox.workDir), false);
    // Looking only (pgrep, never pkill): no process still runs with the run's configuration.
    const left = await runCommand('pgrep', ['-f', env.etcDir], { allowFailure: true });
    assert.equal(left.stdout.trim(), '', 'no service of the run is left');
  });
});
