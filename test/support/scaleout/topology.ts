/**
 * Several "hosts" on one machine, for scale-out tests (issue 7): every one a network namespace made by the
 * test, wired like a small data centre, with a `qdhcp agent` process running INSIDE its host namespace
 * (`nsenter --net`, so the namespaces the agent creates stay visible to everyone — `ip netns exec` would
 * give it a private mount namespace):
 *
 *   [fabric ns]  bridge <p>f (provider switch) ── prov0, prov1 [host A ns] brq… (flat), tap… ══ ns-… [<p>-A-qdhcp-…]
 *                                             ── prov0 [host B ns] …
 *                                             ── eth0 [client N ns] (an instance elsewhere, udhcpc)
 *                bridge <p>u (underlay)      ── under0 198.18.7.1/24 [host A] ⇢ vxlan-<vni> between hosts
 *                                             ── under0 198.18.7.2/24 [host B]
 *
 * A host namespace has its own 127.0.0.1: RabbitMQ is reached through a relay (relay.ts) listening on the
 * host's 127.0.0.1:5672. The root namespace gets no device, address or route; 198.18.0.0/15 (benchmarking
 * range) exists only inside the test's namespaces. Teardown stops agents and relays by PID/handle and
 * removes every namespace under the prefix (the agents' DHCP namespaces included).
 *
 * @module
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { listNamespaces, namespacePids } from '../../../src/linux/ip-batch.js';
import { runCommand } from '../../../src/linux/run-command.js';
import { QDHCP_MAIN } from '../../e2e/api-server-process.js';
import { type Namespace, Sandbox } from '../netns.js';
import { ManagedProcess } from '../process.js';
import { type NamespaceRelay, startNamespaceRelay } from './relay.js';

/** The physnet every host maps to its `prov0`. */
export const PHYSNET = 'physnet1';
/** A second flat physnet (`prov1`, same switch): one flat network per physnet, so a bench can have two. */
export const PHYSNET2 = 'physnet2';
/** Port the agents dial inside their host namespace (the relay listens there). */
export const HOST_AMQP_PORT = 5672;

/** One simulated network node. */
export class SimulatedHost {
  relay: NamespaceRelay | undefined;
  agent: ManagedProcess | undefined;

  constructor(
    readonly name: string,
    readonly ns: Namespace,
    readonly underlayIp: string,
    /** `--namespace-prefix` of its agent: `<sandbox prefix>-<name>-`. */
    readonly agentPrefix: string,
    readonly stateDir: string,
  ) {}
}

/** Fabric + hosts + clients under one prefix. */
export class ScaleoutBed {
  readonly hosts: SimulatedHost[] = [];
  private clients = 0;

  private constructor(
    readonly sandbox: Sandbox,
    readonly fabric: Namespace,
    readonly providerBridge: string,
    readonly underlayBridge: string,
  ) {}

  get prefix(): string {
    return this.sandbox.prefix;
  }

  /** Builds the fabric and `hostNames.length` hosts (underlay 198.18.7.<i+1>). */
  static async create(tag: string, hostNames: readonly string[]): Promise<ScaleoutBed> {
    const sandbox = new Sandbox(tag);
    try {
      chmodSync(sandbox.workDir, 0o755);
      const fabric = await sandbox.addNamespace('fab');
      const bed = new ScaleoutBed(sandbox, fabric, sandbox.device('f'), sandbox.device('u'));
      await sandbox.addBridge(fabric, bed.providerBridge);
      await sandbox.addBridge(fabric, bed.underlayBridge);
      for (const [index, name] of hostNames.entries()) {
        const ns = await sandbox.addNamespace(`h${name}`);
        const underlayIp = `198.18.7.${index + 1}`;
        await sandbox.addVeth(fabric, sandbox.device(`p${name}`), ns, 'prov0', {
          bridge: bed.providerBridge,
        });
        await sandbox.addVeth(fabric, sandbox.device(`q${name}`), ns, 'prov1', {
          bridge: bed.providerBridge,
        });
        await sandbox.addVeth(fabric, sandbox.device(`u${name}`), ns, 'under0', {
          bridge: bed.underlayBridge,
          peerAddresses: [`${underlayIp}/24`],
        });
        const stateDir = sandbox.path(`state-${name}`);
        mkdirSync(stateDir, { recursive: true, mode: 0o755 });
        bed.hosts.push(new SimulatedHost(name, ns, underlayIp, `${sandbox.prefix}-${name}-`, stateDir));
      }
      return bed;
    } catch (error) {
      await sandbox.teardown();
      throw error;
    }
  }

  host(name: string): SimulatedHost {
    const found = this.hosts.find((h) => h.name === name);
    if (found === undefined) throw new Error(`no host ${name}`);
    return found;
  }

  /**
   * A client namespace whose `eth0` carries `mac`: on the fabric's provider switch (an instance on some
   * other node of a flat network), or on a bridge inside a host namespace (an instance on that host).
   */
  async addClient(
    mac: string,
    attach?: { readonly ns: Namespace; readonly bridge: string },
  ): Promise<Namespace> {
    this.clients++;
    const client = await this.sandbox.addNamespace(`c${this.clients}`);
    const where = attach ?? { ns: this.fabric, bridge: this.providerBridge };
    await this.sandbox.addVeth(where.ns, this.sandbox.device(`c${this.clients}`), client, 'eth0', {
      bridge: where.bridge,
      peerMac: mac,
    });
    // udhcpc may renew by unicast from the leased address without it being configured (scripts only print).
    await client.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_nonlocal_bind=1']);
    return client;
  }

  /** Writes an executable script in the work dir. */
  script(name: string, text: string): string {
    const path = this.sandbox.path(name);
    writeFileSync(path, text, { mode: 0o755 });
    return path;
  }

  /** Relays the host's 127.0.0.1:5672 to the root namespace's 127.0.0.1:`brokerPort`. */
  async startRelay(host: SimulatedHost, brokerPort: number): Promise<NamespaceRelay> {
    host.relay ??= await startNamespaceRelay({
      namespace: host.ns.name,
      listenPort: HOST_AMQP_PORT,
      targetPort: brokerPort,
    });
    return host.relay;
  }

  /**
   * Starts `qdhcp agent` inside the host namespace, on the bus at the host's 127.0.0.1:5672 (`query`, e.g.
   * `?exchange=P`, keeps a test's exchanges apart), with the host's provider NIC and underlay address.
   * Waits until its log shows `ready` (default: the DHCP role's first full sync; an agent without that role
   * never syncs networks).
   */
  async startAgent(
    host: SimulatedHost,
    query: string,
    extra: readonly string[] = [],
    ready: RegExp = /full resync done/,
  ): Promise<ManagedProcess> {
    const agent = ManagedProcess.start(
      `agent-${host.name}`,
      'nsenter',
      [
        `--net=/run/netns/${host.ns.name}`,
        process.execPath,
        QDHCP_MAIN,
        'agent',
        ...['--host', `host${host.name}`, '--namespace-prefix', host.agentPrefix],
        ...['--state-dir', host.stateDir, '--bus', `amqp://guest:guest@127.0.0.1:${HOST_AMQP_PORT}/${query}`],
        ...['--physical-interface-mappings', `${PHYSNET}:prov0,${PHYSNET2}:prov1`],
        ...['--local-ip', host.underlayIp],
        ...extra,
      ],
      { ...process.env, QDHCP_LOG_LEVEL: process.env['QDHCP_TEST_LOG'] ?? 'info' },
    );
    host.agent = agent;
    await agent.waitForOutput(ready, 60_000);
    return agent;
  }

  /** `kill -9` of the host's agent (its namespaces and devices stay, as after a crash). */
  async killAgent(host: SimulatedHost): Promise<void> {
    host.agent?.signal('SIGKILL');
    await host.agent?.waitForExit(10_000);
  }

  /** The namespaces an agent made (`<prefix>-<host>-qdhcp-…`). */
  async agentNamespaces(host: SimulatedHost): Promise<string[]> {
    return (await listNamespaces()).filter((name) => name.startsWith(host.agentPrefix));
  }

  /** Stops agents and relays, removes the agents' namespaces (processes inside killed by PID), then the rest. */
  async teardown(): Promise<void> {
    for (const host of this.hosts) {
      await host.agent?.stop(5000).catch(() => undefined);
      await host.relay?.close().catch(() => undefined);
    }
    const names = await listNamespaces().catch(() => [] as string[]);
    for (const host of this.hosts) {
      for (const name of names.filter((n) => n.startsWith(host.agentPrefix))) {
        for (const pid of await namespacePids(name).catch(() => [] as number[])) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await runCommand('ip', ['netns', 'del', name], { allowFailure: true }).catch(() => undefined);
      }
    }
    await this.sandbox.teardown();
  }
}
