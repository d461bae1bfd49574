/**
 * Test support for the API suites: a control plane on a throw-away SQLite or PostgreSQL database,
 * driven in process with `inject()` (no socket), and a helper per backend so every suite runs on both.
 *
 * @module
 */
import { after, before, describe } from 'node:test';
import { defaultConfig } from '../../common/config.js';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-databases.js';
import { buildControlPlane, type ControlPlane } from '../../main/server.js';

/** A response, with its body parsed when it is JSON. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> & {
    NeutronError?: { type: string; message: string; detail: string };
  };
  readonly headers: Record<string, unknown>;
}

/** Makes requests against one control plane. */
export interface Client {
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  readonly plane: () => ControlPlane;
}

/** Backends every DB-touching suite runs on. */
export const BACKENDS = ['sqlite', 'postgres'] as const;

/** Default test configuration overrides (option key → value). */
export const TEST_CONFIG: Readonly<Record<string, string>> = {
  tenant_network_types: 'local',
  network_vlan_ranges: 'physnet1:100:199,physnet2',
  vni_ranges: '1000:1999',
  dns_domain: 'example.org',
};

/**
 * Declares `suite` once per backend, each with a fresh control plane (built before, closed and its
 * database dropped after, even when tests fail).
 */
export function forEachBackend(
  title: string,
  suite: (client: Client) => void,
  overrides: Readonly<Record<string, string>> = {},
): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      let database: TestDatabase | undefined;
      let plane: ControlPlane | undefined;
      before(async () => {
        database = await createTestDatabase(backend);
        plane = await buildControlPlane(
          defaultConfig({
            ...TEST_CONFIG,
            ...overrides,
            connection: database.url,
            state_dir: database.stateDir,
          }),
        );
      });
      after(async () => {
        await plane?.close();
        await database?.drop();
      });
      suite({
        plane: () => plane!,
        async request(method, url, body, headers = {}) {
          const response = await plane!.api.inject({
            method: method as 'GET',
            url,
            headers: { 'content-type': 'application/json', ...headers },
            ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
          });
          let parsed: Reply['body'] = {};
          if (response.body !== '') parsed = JSON.parse(response.body) as Reply['body'];
          return { status: response.statusCode, body: parsed, headers: response.headers };
        },
      });
    });
  }
}

/** Creates a network and returns its id. */
export async function makeNetwork(client: Client, attributes: Record<string, unknown> = {}): Promise<string> {
  const reply = await client.request('POST', '/v2.0/networks', { network: { name: 'net', ...attributes } });
  if (reply.status !== 201) throw new Error(`network create failed: ${JSON.stringify(reply.body)}`);
  return (reply.body['network'] as { id: string }).id;
}

/** Creates a subnet and returns its id. */
export async function makeSubnet(
  client: Client,
  networkId: string,
  cidr: string,
  attributes: Record<string, unknown> = {},
): Promise<string> {
  const reply = await client.request('POST', '/v2.0/subnets', {
    subnet: { network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, ...attributes },
  });
  if (reply.status !== 201) throw new Error(`subnet create failed: ${JSON.stringify(reply.body)}`);
  return (reply.body['subnet'] as { id: string }).id;
}

/** A port as the tests read it back. */
export interface MadePort {
  readonly id: string;
  /** The first fixed IP. */
  readonly ip: string;
  readonly mac: string;
}

/** Creates a port (as the project of `headers`, if given) and returns its id, first address and MAC. */
export async function makePort(
  client: Client,
  networkId: string,
  attributes: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<MadePort> {
  const reply = await client.request(
    'POST',
    '/v2.0/ports',
    { port: { network_id: networkId, ...attributes } },
    headers,
  );
  if (reply.status !== 201) throw new Error(`port create failed: ${JSON.stringify(reply.body)}`);
  const port = reply.body['port'] as { id: string; mac_address: string; fixed_ips: { ip_address: string }[] };
  return { id: port.id, ip: port.fixed_ips[0]?.ip_address ?? '', mac: port.mac_address };
}

/** Body of the single resource of a reply. */
export function resource(reply: Reply, name: string): Record<string, unknown> {
  return reply.body[name] as Record<string, unknown>;
}
