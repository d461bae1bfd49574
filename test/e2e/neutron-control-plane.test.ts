/**
 * The control-plane contract (src/agent/testing/control-plane-contract.ts) against a REAL neutron-server
 * (Zed, Debian's packages) over RabbitMQ: `NeutronControlPlane` speaks oslo.messaging to it exactly as the
 * agent does. Then the whole agent: `qdhcp agent --neutron` with Neutron's own files is listed alive as a
 * DHCP agent, gets a network scheduled, creates Neutron's DHCP port through the plugin RPC, and is marked
 * dead when stopped.
 *
 * The set-up is this file's own, minimal (a vhost on the machine's RabbitMQ, a database on its MariaDB,
 * neutron-server and the linuxbridge agent as process groups, one isolated bridge), until the project's
 * Neutron harness (test/support/neutron/) replaces it. Skipped only when the Neutron packages are absent.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AgentControlPlane } from '../../src/agent/control-plane.js';
import {
  type ControlPlaneHarness,
  controlPlaneContract,
} from '../../src/agent/testing/control-plane-contract.js';
import { runCommand } from '../../src/linux/run-command.js';
import { NeutronControlPlane } from '../../src/neutron/neutron-control-plane.js';
import { ManagedProcess } from '../support/process.js';
import { freePort, QDHCP_MAIN } from './api-server-process.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const skip = !existsSync('/usr/bin/neutron-server')
  ? 'Neutron packages absent (scripts/test.sh installs them)'
  : process.getuid?.() !== 0
    ? 'needs root'
    : false;

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function sh(file: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return (await runCommand(file, args, { timeoutMs })).stdout;
}

/** Teardown steps: whatever is already gone is fine. */
async function quietly(file: string, args: readonly string[]): Promise<void> {
  await runCommand(file, args, { timeoutMs: 30_000 }).catch(() => undefined);
}

async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** One neutron-server + linuxbridge agent with their own database, vhost and bridge. */
class MiniNeutron {
  readonly tag = `qc${Math.random().toString(16).slice(2, 6)}`;
  readonly host = `${this.tag}-host`;
  readonly bridge = `${this.tag}b1`;
  readonly dir = join(ROOT, 'var', 'test-output', 'neutron-cp', this.tag);
  readonly transportUrl = `rabbit://guest:guest@127.0.0.1:5672/${this.tag}`;
  apiUrl = '';
  private readonly services: ManagedProcess[] = [];
  private readonly timings: string[] = [];

  async start(): Promise<void> {
    let t = Date.now();
    const lap = (name: string) => {
      this.timings.push(`${name} ${((Date.now() - t) / 1000).toFixed(1)} s`);
      t = Date.now();
    };
    mkdirSync(this.dir, { recursive: true });
    await sh('rabbitmqctl', ['-q', 'add_vhost', this.tag]);
    await sh('rabbitmqctl', ['-q', 'set_permissions', '-p', this.tag, 'guest', '.*', '.*', '.*']);
    await sh('mysql', [
      '-e',
      `CREATE DATABASE ${this.tag}; CREATE USER '${this.tag}'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON ${this.tag}.* TO '${this.tag}'@'127.0.0.1';`,
    ]);
    await sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    await sh('ip', ['link', 'set', this.bridge, 'up']);
    const port = await freePort();
    this.apiUrl = `http://127.0.0.1:${port}`;
    const conf = join(this.dir, 'neutron.conf');
    writeFileSync(
      conf,
      `[DEFAULT]
auth_strategy = noauth
core_plugin = ml2
service_plugins =
bind_host = 127.0.0.1
bind_port = ${port}
api_paste_config = /etc/neutron/api-paste.ini
transport_url = ${this.transportUrl}
host = ${this.host}
state_path = ${this.dir}/state
agent_down_time = 9
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = False
notify_nova_on_port_data_changes = False
dhcp_agents_per_network = 1
[agent]
root_helper = env
report_interval = 3
[database]
connection = mysql+pymysql://${this.tag}:pw@127.0.0.1/${this.tag}
[oslo_concurrency]
lock_path = ${this.dir}/lock
[experimental]
linuxbridge = true
`,
    );
    writeFileSync(
      join(this.dir, 'ml2_conf.ini'),
      '[ml2]\ntype_drivers = flat\ntenant_network_types =\nmechanism_drivers = linuxbridge\n[ml2_type_flat]\nflat_networks = *\n',
    );
    writeFileSync(
      join(this.dir, 'linuxbridge_agent.ini'),
      `[linux_bridge]\nbridge_mappings = physnet1:${this.bridge}\n[vxlan]\nenable_vxlan = False\n[securitygroup]\nenable_security_group = False\nfirewall_driver = noop\n[agent]\npolling_interval = 1\n`,
    );
    const files = (extra: string) => ['--config-file', conf, '--config-file', join(this.dir, extra)];
    await sh('neutron-db-manage', [...files('ml2_conf.ini'), 'upgrade', 'head'], 240_000);
    lap('schema');
    this.spawn('server', '/usr/bin/neutron-server', [
      ...files('ml2_conf.ini'),
      '--log-file',
      join(this.dir, 'server.log'),
    ]);
    await eventually('neutron-server answers', 90_000, async () =>
      (await fetch(`${this.apiUrl}/v2.0/networks`)).ok ? true : undefined,
    );
    lap('server');
    this.spawn('linuxbridge', '/usr/bin/neutron-linuxbridge-agent', [
      ...files('linuxbridge_agent.ini'),
      '--log-file',
      join(this.dir, 'linuxbridge.log'),
    ]);
    await this.waitForAgent('Linux bridge agent', true, 60_000);
    lap('linuxbridge agent');
  }

  /** Started in its own process group (setsid execs in place), so its workers stop with it. */
  private spawn(label: string, binary: string, args: readonly string[]): void {
    this.services.push(ManagedProcess.start(label, '/usr/bin/setsid', [binary, ...args]));
  }

  async agents(): Promise<Array<Record<string, unknown>>> {
    const body = (await (await fetch(`${this.apiUrl}/v2.0/agents`)).json()) as {
      agents: Array<Record<string, unknown>>;
    };
    return body.agents;
  }

  async waitForAgent(type: string, alive: boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    return eventually(`${type} alive=${alive}`, timeoutMs, async () =>
      (await this.agents()).find((a) => a.agent_type === type && a.host === this.host && a.alive === alive),
    );
  }

  async closeConnections(name: string): Promise<void> {
    const listing = await sh('rabbitmqctl', [
      '-q',
      'list_connections',
      '-p',
      this.tag,
      'pid',
      'client_properties',
    ]);
    for (const line of listing.split('\n').filter((l) => l.includes(name))) {
      await sh('rabbitmqctl', ['-q', 'close_connection', line.split('\t')[0] ?? '', 'contract test']);
    }
  }

  summary(): string {
    return this.timings.join(', ');
  }

  async teardown(): Promise<void> {
    for (const service of this.services.reverse()) {
      if (service.pid !== undefined) {
        try {
          process.kill(-service.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await service.waitForExit(15_000);
      if (service.pid !== undefined && service.exit === undefined) process.kill(-service.pid, 'SIGKILL');
    }
    await quietly('ip', ['link', 'del', this.bridge]);
    await quietly('mysql', [
      '-e',
      `DROP DATABASE IF EXISTS ${this.tag}; DROP USER IF EXISTS '${this.tag}'@'127.0.0.1';`,
    ]);
    await quietly('rabbitmqctl', ['-q', 'delete_vhost', this.tag]);
  }
}

describe('a real neutron-server as the control plane', { skip }, () => {
  const neutron = new MiniNeutron();
  let controlPlane: NeutronControlPlane | undefined;
  let harness: ControlPlaneHarness | undefined;
  const started = Date.now();

  before(async () => {
    await neutron.start();
    controlPlane = new NeutronControlPlane({
      transportUrl: neutron.transportUrl,
      host: neutron.host,
      timeoutMs: 20_000,
      logger: silentLogger,
    });
    await controlPlane.start();
    const plane: AgentControlPlane = controlPlane;
    harness = {
      host: neutron.host,
      apiUrl: neutron.apiUrl,
      networkBody: {
        name: 'contract',
        'provider:network_type': 'flat',
        'provider:physical_network': 'physnet1',
      },
      controlPlane: plane,
      breakConnection: () => neutron.closeConnections(`qdhcp-agent:${neutron.host}`),
    };
  });

  after(async () => {
    await controlPlane?.close();
    await neutron.teardown();
    process.stdout.write(
      `# neutron control plane e2e: ${((Date.now() - started) / 1000).toFixed(1)} s (${neutron.summary()})\n`,
    );
  });

  controlPlaneContract('neutron-server (Zed)', () => {
    if (harness === undefined) throw new Error('harness not built');
    return harness;
  });

  it('qdhcp agent --neutron: alive as a DHCP agent, network scheduled, DHCP port ACTIVE, dead when stopped', async () => {
    // The contract's own control plane reported for the same host; the agent process takes over.
    await controlPlane?.close();
    const ini = join(neutron.dir, 'dhcp_agent.ini');
    writeFileSync(
      ini,
      `[DEFAULT]\ninterface_driver = linuxbridge\ndhcp_driver = neutron.agent.linux.dhcp.Dnsmasq\nqdhcp_driver = builtin\nnamespace_prefix = ${neutron.tag}-\nstate_dir = ${neutron.dir}/qdhcp\nresync_interval = 2\n`,
    );
    const agent = ManagedProcess.start('qdhcp-agent', process.execPath, [
      QDHCP_MAIN,
      'agent',
      '--neutron',
      '--config-file',
      join(neutron.dir, 'neutron.conf'),
      '--config-file',
      ini,
    ]);
    let networkId = '';
    let dhcpPortId = '';
    try {
      await agent.waitForOutput(/qdhcp agent started/, 30_000);
      const listed = await neutron.waitForAgent('DHCP agent', true, 30_000);
      assert.equal(listed.binary, 'qdhcp-agent');
      assert.equal(listed.topic, 'dhcp_agent');
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${neutron.apiUrl}/v2.0/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 201, await response.clone().text());
        return (await response.json()) as Record<string, Record<string, unknown>>;
      };
      networkId = String(
        (
          await post('networks', {
            network: {
              name: 'agent-e2e',
              'provider:network_type': 'flat',
              'provider:physical_network': 'physnet1',
            },
          })
        ).network?.id,
      );
      await post('subnets', { subnet: { network_id: networkId, ip_version: 4, cidr: '10.94.0.0/24' } });
      const hosting = await eventually('network scheduled to the agent', 30_000, async () => {
        const body = (await (
          await fetch(`${neutron.apiUrl}/v2.0/agents/${String(listed.id)}/dhcp-networks`)
        ).json()) as { networks: Array<{ id: string }> };
        return body.networks.some((n) => n.id === networkId) ? true : undefined;
      });
      assert.equal(hosting, true);
      const dhcpPort = await eventually('DHCP port ACTIVE', 45_000, async () => {
        const body = (await (
          await fetch(`${neutron.apiUrl}/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)
        ).json()) as { ports: Array<Record<string, unknown>> };
        return body.ports.find((p) => p.status === 'ACTIVE');
      });
      dhcpPortId = String(dhcpPort.id);
      assert.match(String(dhcpPort.device_id), new RegExp(`^dhcp[0-9a-f-]{36}-${networkId}$`));
      assert.equal(dhcpPort['binding:host_id'], neutron.host);
    } finally {
      if (networkId !== '') await fetch(`${neutron.apiUrl}/v2.0/networks/${networkId}`, { method: 'DELETE' });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await agent.stop(10_000);
      // What the agent made on the host for this network: its namespace, the DHCP port's veth, the bridge.
      for (const namespace of (await runCommand('ip', ['netns', 'list'])).stdout.split('\n')) {
        const name = namespace.split(' ')[0] ?? '';
        if (name.startsWith(`${neutron.tag}-`)) await quietly('ip', ['netns', 'del', name]);
      }
      if (dhcpPortId !== '') await quietly('ip', ['link', 'del', `tap${dhcpPortId.slice(0, 11)}`]);
      if (networkId !== '') await quietly('ip', ['link', 'del', `brq${networkId.slice(0, 11)}`]);
    }
    await neutron.waitForAgent('DHCP agent', false, 40_000);
  });
});
