import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../src/linux/run-command.js';
import { freePort } from '../../test/e2e/api-server-process.js';
import { removeArpProtection } from '../../test/support/neutron/run-devices.js';
import { ManagedProcess } from '../../test/support/process.js';
import { descendants } from './process-set.js';

/**
 * A real Neutron Zed (Debian's packages) for the benchmark, everything under one unique prefix and removed by
 * {@link NeutronBed.teardown}: its own MariaDB database and user, its own vhost on the machine's RabbitMQ
 * (never reconfigured: only the vhost is added and deleted), neutron-server on a free port, the linuxbridge
 * agent (Neutron's DHCP scheduler only picks an agent on a host whose L2 agent can bind the segment), and
 * `bridges` isolated root-namespace bridges `<prefix>bN` (no address, no uplink) as physnetN of flat
 * networks. Configs follow ../shared/tools/neutron (the set-up checked on this machine).
 */
export class NeutronBed {
  private server: ManagedProcess | undefined;
  private l2: ManagedProcess | undefined;
  private port = 0;

  private constructor(
    readonly prefix: string,
    readonly dir: string,
    readonly host: string,
    readonly apiUrl: string,
    readonly transportUrl: string,
    readonly bridges: readonly string[],
    readonly database: string,
    private readonly vhost: string,
  ) {}

  static async create(bridgeCount: number, log: (text: string) => void): Promise<NeutronBed> {
    const prefix = `qnb${randomBytes(2).toString('hex')}`;
    const dir = `/tmp/${prefix}-neutron`;
    for (const sub of ['etc', 'log', 'state', 'lock']) mkdirSync(join(dir, sub), { recursive: true });
    const database = `${prefix}_neutron`;
    const vhost = `${prefix}-vhost`;
    const port = await freePort();
    const bridges = Array.from({ length: bridgeCount }, (_, i) => `${prefix}b${i + 1}`);
    const bed = new NeutronBed(
      prefix,
      dir,
      `${prefix}-host`,
      `http://127.0.0.1:${port}`,
      `rabbit://${prefix}:${prefix}pw@127.0.0.1:5672/${vhost}`,
      bridges,
      database,
      vhost,
    );
    await bed.prepare(port, log);
    return bed;
  }

  private async prepare(port: number, log: (text: string) => void): Promise<void> {
    const p = this.prefix;
    await runCommand('mysql', [
      '-e',
      `CREATE DATABASE ${this.database}; CREATE USER '${p}'@'127.0.0.1' IDENTIFIED BY '${p}pw';` +
        ` GRANT ALL ON ${this.database}.* TO '${p}'@'127.0.0.1'; FLUSH PRIVILEGES;`,
    ]);
    await runCommand('rabbitmqctl', ['add_vhost', this.vhost], { timeoutMs: 60_000 });
    await runCommand('rabbitmqctl', ['add_user', p, `${p}pw`], { timeoutMs: 60_000 });
    await runCommand('rabbitmqctl', ['set_permissions', '-p', this.vhost, p, '.*', '.*', '.*'], {
      timeoutMs: 60_000,
    });
    for (const [i, bridge] of this.bridges.entries()) {
      await runCommand('ip', ['link', 'add', bridge, 'type', 'bridge']);
      await runCommand('ip', ['link', 'set', bridge, 'up']);
      // A veth "provider NIC" per physnet for an agent that plugs its own bridge (qdhcp's
      // physical_interface_mappings): one end on the physnet's bridge, the other its uplink.
      const uplink = this.uplink(i + 1);
      await runCommand('ip', ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', `${p}p${i + 1}`]);
      await runCommand('ip', ['link', 'set', `${p}p${i + 1}`, 'master', bridge, 'up']);
      await runCommand('ip', ['link', 'set', uplink, 'up']);
    }
    this.port = port;
    this.writeConfigs(true);
    log(`neutron bed ${p}: migrating database ${this.database} (neutron-db-manage upgrade head)`);
    await runCommand(
      'neutron-db-manage',
      [
        '--config-file',
        this.etc('neutron.conf'),
        '--config-file',
        this.etc('ml2_conf.ini'),
        'upgrade',
        'head',
      ],
      { timeoutMs: 15 * 60_000 },
    );
  }

  /** The uplink veth end of physnet `n` (no master: an agent's own bridge takes it). */
  uplink(n: number): string {
    return `${this.prefix}u${n}`;
  }

  etc(name: string): string {
    return join(this.dir, 'etc', name);
  }

  private writeConfigs(notifyDhcpAgents: boolean): void {
    const port = this.port;
    const mappings = this.bridges.map((bridge, i) => `physnet${i + 1}:${bridge}`).join(',');
    // Shared by every service (neutron-dhcp-agent reads it too): `host` names the one host whose L2 agent
    // binds the networks, so the DHCP agent reporting under it is schedulable.
    writeFileSync(
      this.etc('neutron.conf'),
      `[DEFAULT]
host = ${this.host}
auth_strategy = noauth
core_plugin = ml2
service_plugins =
bind_host = 127.0.0.1
bind_port = ${port}
api_paste_config = /etc/neutron/api-paste.ini
transport_url = ${this.transportUrl}
state_path = ${this.dir}/state
debug = False
notify_nova_on_port_status_changes = False
notify_nova_on_port_data_changes = False
api_workers = 2
rpc_workers = 1
rpc_state_report_workers = 1
dhcp_agents_per_network = 1
# The agents under test are stopped for minutes between phases: the networks stay theirs (not unscheduled).
allow_automatic_dhcp_failover = False
# Off only while the benchmark fills the networks (see startServer).
dhcp_agent_notification = ${notifyDhcpAgents ? 'True' : 'False'}
dns_domain = openstacklocal
[agent]
root_helper = sudo neutron-rootwrap /etc/neutron/rootwrap.conf
root_helper_daemon = sudo neutron-rootwrap-daemon /etc/neutron/rootwrap.conf
report_interval = 10
[database]
connection = mysql+pymysql://${this.prefix}:${this.prefix}pw@127.0.0.1/${this.database}
max_pool_size = 10
[oslo_concurrency]
lock_path = ${this.dir}/lock
[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
[experimental]
linuxbridge = true
`,
    );
    writeFileSync(
      this.etc('ml2_conf.ini'),
      `[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = linuxbridge
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
`,
    );
    writeFileSync(
      this.etc('linuxbridge_agent.ini'),
      `[linux_bridge]
bridge_mappings = ${mappings}
[vxlan]
enable_vxlan = False
[securitygroup]
enable_security_group = False
firewall_driver = noop
[agent]
polling_interval = 2
`,
    );
    writeFileSync(
      this.etc('dhcp_agent.ini'),
      `[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = True
force_metadata = False
dhcp_confs = ${this.dhcpConfs}
num_sync_threads = 4
resync_interval = 5
`,
    );
  }

  /** Where neutron-dhcp-agent keeps each network's dnsmasq files and pid (`<dir>/<network id>/pid`). */
  get dhcpConfs(): string {
    return join(this.dir, 'state', 'dhcp');
  }

  /**
   * (Re)starts neutron-server. `notifyDhcpAgents` false while the benchmark fills its networks: for every
   * port of a network no DHCP agent hosts, the server tries to schedule it after the commit (two warnings
   * and ~0.2 s a port on this machine), which made a fill take longer than the measurements.
   */
  async startServer(notifyDhcpAgents: boolean, log: (text: string) => void): Promise<void> {
    await this.stopServer();
    this.writeConfigs(notifyDhcpAgents);
    this.server = ManagedProcess.start('neutron-server', '/usr/bin/neutron-server', [
      '--config-file',
      this.etc('neutron.conf'),
      '--config-file',
      this.etc('ml2_conf.ini'),
      '--log-file',
      join(this.dir, 'log', 'server.log'),
    ]);
    log(
      `neutron bed ${this.prefix}: neutron-server ${this.server.pid} (DHCP notifications ${notifyDhcpAgents ? 'on' : 'off'})`,
    );
    if (this.l2 === undefined) {
      this.l2 = ManagedProcess.start('linuxbridge-agent', '/usr/bin/neutron-linuxbridge-agent', [
        '--config-file',
        this.etc('neutron.conf'),
        '--config-file',
        this.etc('linuxbridge_agent.ini'),
        '--log-file',
        join(this.dir, 'log', 'linuxbridge-agent.log'),
      ]);
      log(`neutron bed ${this.prefix}: linuxbridge agent ${this.l2.pid}`);
    }
    await waitFor('the linuxbridge agent alive in the agent list', 180_000, async () => {
      const agents = await this.get<{ agents: { agent_type: string; alive: boolean }[] }>('/v2.0/agents');
      return agents?.agents.some((a) => a.agent_type === 'Linux bridge agent' && a.alive) === true;
    });
  }

  /** Stops neutron-server and any worker left behind by its parent (by PID). */
  private async stopServer(): Promise<void> {
    const pid = this.server?.pid;
    if (pid === undefined) return;
    const workers = descendants(pid);
    await this.server?.stop(20_000);
    for (const worker of workers) {
      try {
        process.kill(worker, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    }
    this.server = undefined;
  }

  /** GET, or undefined while the API does not answer. */
  async get<T>(path: string): Promise<T | undefined> {
    try {
      const response = await fetch(`${this.apiUrl}${path}`);
      return response.ok ? ((await response.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  }

  async teardown(namespaces: readonly string[]): Promise<void> {
    await this.l2?.stop(10_000);
    await this.stopServer();
    // The linuxbridge agent's per-tap ebtables chains are host-wide and outlive it: a later agent run
    // crashes on them (test/support/neutron/run-devices.ts). The taps on the bed's bridges, listed before
    // the namespaces (which take their veth peers) go, name them.
    const taps: string[] = [];
    for (const bridge of this.bridges) {
      const ports = await runCommand('ip', ['-br', 'link', 'show', 'master', bridge], { allowFailure: true });
      for (const line of ports.stdout.split('\n')) {
        const device = line.split(/[\s@]/)[0] ?? '';
        if (device.startsWith('tap')) taps.push(device);
      }
    }
    for (const ns of namespaces) await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
    await removeArpProtection(taps);
    for (const [i, bridge] of this.bridges.entries()) {
      await runCommand('ip', ['link', 'del', this.uplink(i + 1)], { allowFailure: true });
      await runCommand('ip', ['link', 'del', bridge], { allowFailure: true });
    }
    await runCommand('rabbitmqctl', ['delete_vhost', this.vhost], { allowFailure: true, timeoutMs: 60_000 });
    await runCommand('rabbitmqctl', ['delete_user', this.prefix], { allowFailure: true, timeoutMs: 60_000 });
    await runCommand(
      'mysql',
      ['-e', `DROP DATABASE IF EXISTS ${this.database}; DROP USER IF EXISTS '${this.prefix}'@'127.0.0.1';`],
      { allowFailure: true },
    );
  }
}

/** Polls `check` every 500 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
