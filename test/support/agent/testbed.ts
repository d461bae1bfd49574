import { chmodSync, writeFileSync } from 'node:fs';
import type { DriverDeps } from '../../../src/agent/drivers/prepare-network.js';
import { dhcpPortDeviceId } from '../../../src/agent/naming.js';
import { DEFAULT_PLUMBING_SETTINGS, type PlumbingSettings } from '../../../src/agent/plumbing-settings.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpSettings } from '../../../src/agent/settings.js';
import type { Logger } from '../../../src/common/logger.js';
import { createLogger } from '../../../src/common/logger.js';
import { listNamespaces, namespacePids } from '../../../src/linux/ip-batch.js';
import { removeNetnsEtc } from '../../../src/linux/netns-etc.js';
import { runCommand } from '../../../src/linux/run-command.js';
import { type Namespace, Sandbox } from '../netns.js';

/**
 * A private "host" for agent tests, entirely inside namespaces this test creates:
 *
 *   [host ns]  brq… ── provider NIC <prefix>p ══ veth ══ [switch ns] bridge <prefix>s ── <prefix>cN ══ eth0 [client N ns]
 *              └─ tap… ══ ns-… [<prefix>-qdhcp-<net>]   (made by the driver under test)
 *
 * The root namespace never sees a device, address or route. Teardown kills what runs in our namespaces
 * (including the DHCP namespaces the driver made, found by our prefix) and deletes them.
 */
export class AgentTestbed {
  readonly namespacePrefix: string;
  readonly logger: Logger;
  private clientCount = 0;

  private constructor(
    readonly sandbox: Sandbox,
    readonly host: Namespace,
    readonly switchNs: Namespace,
    readonly providerNic: string,
    readonly switchBridge: string,
  ) {
    this.namespacePrefix = `${sandbox.prefix}-`;
    this.logger = createLogger({ level: process.env['QDHCP_TEST_LOG'] ?? 'silent' });
  }

  /** Builds host + switch namespaces and the provider NIC. */
  static async create(tag: string): Promise<AgentTestbed> {
    const sandbox = new Sandbox(tag);
    try {
      // dnsmasq re-reads its files as `nobody`: the state directory must be traversable.
      chmodSync(sandbox.workDir, 0o755);
      const host = await sandbox.addNamespace('host');
      const switchNs = await sandbox.addNamespace('sw');
      const switchBridge = sandbox.device('s');
      const providerNic = sandbox.device('p');
      await sandbox.addBridge(switchNs, switchBridge);
      await sandbox.addVeth(switchNs, sandbox.device('pp'), host, providerNic, { bridge: switchBridge });
      return new AgentTestbed(sandbox, host, switchNs, providerNic, switchBridge);
    } catch (error) {
      await sandbox.teardown();
      throw error;
    }
  }

  /**
   * A client namespace whose `eth0` carries `mac`, plugged into the switch (default: across the provider
   * NIC, as an instance on another host) or straight into a bridge of some namespace.
   */
  async addClient(
    mac: string,
    attach: { readonly namespace: Namespace; readonly bridge: string } | undefined = undefined,
  ): Promise<Namespace> {
    this.clientCount++;
    const client = await this.sandbox.addNamespace(`c${this.clientCount}`);
    const where = attach ?? { namespace: this.switchNs, bridge: this.switchBridge };
    await this.sandbox.addVeth(where.namespace, this.sandbox.device(`c${this.clientCount}`), client, 'eth0', {
      bridge: where.bridge,
      peerMac: mac,
    });
    // Lets udhcpc send its unicast renewal from the leased address without configuring it (scripts only print).
    await client.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_nonlocal_bind=1']);
    return client;
  }

  /** Path of a file in the testbed's work directory. */
  /**
   * What a driver needs to plumb into this bed as agent `host`: our namespace prefix, our host namespace
   * (never the root's), and the agent's DHCP port device ids; `plumbing` and `dhcp` adjust the defaults.
   */
  driverDeps(
    host: string,
    options: { readonly plumbing?: Partial<PlumbingSettings>; readonly dhcp?: Partial<DhcpSettings> } = {},
  ): DriverDeps {
    return {
      dhcp: { ...DEFAULT_DHCP_SETTINGS, ...options.dhcp },
      plumbing: {
        ...DEFAULT_PLUMBING_SETTINGS,
        namespacePrefix: this.namespacePrefix,
        hostNamespace: this.host.name,
        ...options.plumbing,
      },
      dhcpDeviceId: (id) => dhcpPortDeviceId(host, id),
      logger: this.logger,
    };
  }

  path(name: string): string {
    return this.sandbox.path(name);
  }

  /** Writes an executable script. */
  script(name: string, text: string): string {
    const path = this.path(name);
    writeFileSync(path, text, { mode: 0o755 });
    return path;
  }

  /** Namespaces (any) whose name starts with our prefix: what a driver left behind. */
  async leftoverNamespaces(): Promise<string[]> {
    return (await listNamespaces()).filter(
      (name) => name.startsWith(this.namespacePrefix) && name.includes('qdhcp-'),
    );
  }

  /** Removes everything: DHCP namespaces made by drivers (and their processes), then the sandbox. */
  async teardown(): Promise<void> {
    await this.removeNamespaces(await this.leftoverNamespaces().catch(() => []));
    await this.sandbox.teardown();
  }

  /** Kills the processes inside these namespaces (by PID) and deletes them (probes', drivers'…). */
  async removeNamespaces(names: readonly string[]): Promise<void> {
    for (const name of names) {
      for (const pid of await namespacePids(name)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await runCommand('ip', ['netns', 'del', name], { allowFailure: true }).catch(() => undefined);
      // A probe's resolver (`/etc/netns/<name>/`), which `ip netns del` leaves behind.
      await removeNetnsEtc(name).catch(() => undefined);
    }
  }
}
