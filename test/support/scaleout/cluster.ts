/**
 * The control plane of a scale-out test: `qdhcp server` processes (root namespace, 127.0.0.1, each on its
 * own port) sharing one fresh PostgreSQL database and one RabbitMQ exchange prefix, plus a small Neutron
 * API client and the clean-up of the test's AMQP objects.
 *
 * @module
 */
import { connect } from 'amqplib';
import { createTestDatabase, type TestDatabase } from '../../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from '../../e2e/api-server-process.js';

/** A JSON answer of the API. */
export interface ApiReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Calls the Neutron API of one server. */
export async function api(base: string, method: string, path: string, body?: unknown): Promise<ApiReply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Like {@link api} but fails unless the status is `expected`; returns the body's `key` object. */
export async function apiOk<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body: unknown,
  expected: number,
  key: string,
): Promise<T> {
  const reply = await api(base, method, path, body);
  if (reply.status !== expected)
    throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body[key] as T;
}

/** A running control plane. */
export class Cluster {
  private constructor(
    readonly database: TestDatabase,
    readonly servers: ServerProcess[],
    private readonly busUrl: string,
  ) {}

  /**
   * A fresh PostgreSQL database and `count` servers on `busUrl` (started one after the other: the first
   * migrates). `extra` goes to every server (e.g. `--dhcp-agents-per-network 2`).
   */
  static async start(busUrl: string, count: number, extra: readonly string[]): Promise<Cluster> {
    const database = await createTestDatabase('postgres');
    const cluster = new Cluster(database, [], busUrl);
    try {
      await cluster.startServers(count, extra);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async startServers(count: number, extra: readonly string[]): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.servers.push(
        await startServerProcess([
          ...['--db', this.database.url, '--state-dir', this.database.stateDir, '--bus', this.busUrl],
          ...['--vni-ranges', '1000:1999'],
          ...extra,
        ]),
      );
    }
  }

  /** Replaces every server by one started with `extra` (same database and bus; new ports). */
  async restartServers(extra: readonly string[]): Promise<void> {
    const count = this.servers.length;
    await Promise.all(this.servers.map((s) => s.stop()));
    this.servers.length = 0;
    await this.startServers(count, extra);
  }

  /** The base URL of server `index`. */
  url(index = 0): string {
    return this.servers[index]!.url;
  }

  /** Servers' logs, for assertion messages. */
  logs(): string {
    return this.servers.map((s, i) => `--- server ${i} ---\n${s.log().slice(-3000)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop().catch(() => undefined)));
    await this.database.drop().catch(() => undefined);
  }
}

/** Deletes the bus's exchange and RPC queue of `prefix` (docs/bus.md names) on the broker at `url`. */
export async function deleteBusObjects(url: string, prefix: string): Promise<void> {
  try {
    const connection = await connect(url);
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(`${prefix}.rpc`).catch(() => undefined);
      await channel.deleteExchange(`${prefix}.events`).catch(() => undefined);
    } finally {
      await connection.close().catch(() => undefined);
    }
  } catch {
    // broker gone: nothing to clean
  }
}

/** A network with one DHCP subnet; `provider` e.g. `{ 'provider:network_type': 'flat', … }`. */
export async function networkWithSubnet(
  base: string,
  name: string,
  cidr: string,
  provider: Readonly<Record<string, unknown>>,
): Promise<{ networkId: string; subnetId: string }> {
  const network = await apiOk<{ id: string }>(
    base,
    'POST',
    '/v2.0/networks',
    { network: { name, ...provider } },
    201,
    'network',
  );
  const subnet = await apiOk<{ id: string }>(
    base,
    'POST',
    '/v2.0/subnets',
    { subnet: { network_id: network.id, cidr, ip_version: 4, name: `${name}-v4` } },
    201,
    'subnet',
  );
  return { networkId: network.id, subnetId: subnet.id };
}

/** A port on the network: its id, MAC and first IP. */
export async function createPort(
  base: string,
  networkId: string,
  name: string,
): Promise<{ id: string; mac: string; ip: string }> {
  const port = await apiOk<{ id: string; mac_address: string; fixed_ips: { ip_address: string }[] }>(
    base,
    'POST',
    '/v2.0/ports',
    { port: { network_id: networkId, name } },
    201,
    'port',
  );
  return { id: port.id, mac: port.mac_address, ip: port.fixed_ips[0]!.ip_address };
}

/** The hosts of the agents hosting the network, and whether each is alive. */
export async function dhcpAgentsOf(
  base: string,
  networkId: string,
): Promise<{ host: string; alive: boolean; id: string }[]> {
  const reply = await api(base, 'GET', `/v2.0/networks/${networkId}/dhcp-agents`);
  return ((reply.body['agents'] ?? []) as { host: string; alive: boolean; id: string }[]).map((a) => ({
    host: a.host,
    alive: a.alive,
    id: a.id,
  }));
}

/** The network's DHCP ports' addresses, sorted. */
export async function dhcpPortIps(base: string, networkId: string): Promise<string[]> {
  const reply = await api(base, 'GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`);
  return ((reply.body['ports'] ?? []) as { fixed_ips: { ip_address: string }[] }[])
    .flatMap((p) => p.fixed_ips.map((ip) => ip.ip_address))
    .sort();
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
