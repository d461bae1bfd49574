import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import { createLogger } from '../../common/logger.js';
import { sampleContext } from '../../metadata/testing/fixtures.js';
import { createBuiltinBackend, type ProxiedRequest } from './backends.js';
import { onlyMatch } from './caller-scope.js';
import { findAmong, type InstanceLookup } from './instance-lookup.js';
import { neutronAgentHeaders } from './neutron-agent-backend.js';
import { type ListenerFactory, MetadataProxy } from './proxy-server.js';
import { ROUTER_METADATA_PORT, RouterMetadata } from './router-metadata.js';

/**
 * A router's listener identifies callers by (the router's networks, source address), through the same
 * lookup as a DHCP namespace's: on loopback, with the listener factory as the seam (the e2e
 * test/e2e/router-metadata.test.ts opens it in a router namespace behind an nftables redirect).
 */
const NET_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const NET_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const NET_C = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const ROUTER = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
/** 127.0.0.1 is an instance on NET_B; 127.0.0.3 holds an address on NET_A and on NET_C (a data error). */
const ON_B = '127.0.0.1';
const STRANGER = '127.0.0.2';
const TWICE = '127.0.0.3';
const NOBODY: GetInstanceResult = { identity: null, context: null };

const sample = sampleContext();
const { userData, ...instanceFields } = sample.instance;
const KNOWN: GetInstanceResult = JSON.parse(
  JSON.stringify({
    identity: { portId: sample.requestPort.id, instanceId: sample.instance.id, projectId: 'p' },
    context: {
      instance: {
        ...instanceFields,
        userDataBase64: userData === undefined ? null : Buffer.from(userData).toString('base64'),
      },
      requestPort: sample.requestPort,
      ports: sample.ports,
      domain: sample.domain,
    },
  }),
) as GetInstanceResult;

/** The server's answers by (network, address), and the questions asked. */
function fakeLookup(): InstanceLookup & { asked: string[] } {
  const known = new Map([
    [`${NET_B} ${ON_B}`, KNOWN],
    [`${NET_A} ${TWICE}`, KNOWN],
    [`${NET_C} ${TWICE}`, KNOWN],
  ]);
  const asked: string[] = [];
  return {
    asked,
    async find(networkId, ipAddress) {
      asked.push(`${networkId} ${ipAddress}`);
      return { result: known.get(`${networkId} ${ipAddress}`) ?? NOBODY, cached: false };
    },
  };
}

function get(port: number, from: string, path = '/latest/meta-data/instance-id') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, localAddress: from, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('onlyMatch: exactly one answer is the caller; none or two is nobody (Neutron: 404)', () => {
  assert.equal(onlyMatch([null, 'x', null]), 'x');
  assert.equal(onlyMatch([null, null]), null);
  assert.equal(onlyMatch(['x', 'y']), null);
  assert.equal(onlyMatch([]), null);
});

test('findAmong: one network is one lookup; a router scope asks each network and keeps the one match', async () => {
  const lookup = fakeLookup();
  assert.equal((await findAmong(lookup, [NET_B], ON_B)).result, KNOWN);
  assert.deepEqual(lookup.asked, [`${NET_B} ${ON_B}`]);
  assert.equal((await findAmong(lookup, [NET_A, NET_B], ON_B)).result, KNOWN);
  assert.deepEqual((await findAmong(lookup, [NET_A, NET_B], STRANGER)).result, NOBODY);
  assert.deepEqual((await findAmong(lookup, [NET_A, NET_C], TWICE)).result, NOBODY, 'two matches: nobody');
  assert.deepEqual((await findAmong(lookup, [], ON_B)).result, NOBODY, 'a router without interfaces');
});

test('neutron-agent headers: a router listener sends X-Neutron-Router-ID, a DHCP one X-Neutron-Network-ID', () => {
  const base: Omit<ProxiedRequest, 'networkIds' | 'routerId'> = {
    remoteAddress: '10.0.0.3',
    method: 'GET',
    path: '/',
    body: undefined,
    contentType: undefined,
  };
  const routed = neutronAgentHeaders({ ...base, networkIds: [NET_A, NET_B], routerId: ROUTER }, 0);
  assert.equal(routed['X-Neutron-Router-ID'], ROUTER);
  assert.equal(routed['X-Neutron-Network-ID'], undefined);
  const isolated = neutronAgentHeaders({ ...base, networkIds: [NET_A], routerId: undefined }, 0);
  assert.equal(isolated['X-Neutron-Network-ID'], NET_A);
  assert.equal(isolated['X-Neutron-Router-ID'], undefined);
});

describe('a router namespace listener on the agent proxy', () => {
  const lookup = fakeLookup();
  const proxy = new MetadataProxy({
    backend: createBuiltinBackend(lookup),
    logger: createLogger({ level: 'silent' }),
  });
  const opened: string[] = [];
  let port = 0;
  const listen: ListenerFactory = async (namespace, onConnection) => {
    opened.push(namespace);
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return server;
  };
  const routers = new RouterMetadata(proxy, { listen });
  after(() => proxy.stop(0));

  test('callers of any of the router networks are answered; others get 404; update moves the scope', async () => {
    assert.equal(ROUTER_METADATA_PORT, 9697);
    const handle = await routers.openRouterMetadata(`x-qrouter-${ROUTER}`, [NET_A, NET_B]);
    assert.deepEqual(opened, [`x-qrouter-${ROUTER}`]);
    const known = await get(port, ON_B);
    assert.equal(known.status, 200);
    assert.equal(known.body, 'i-0000000a');
    assert.equal((await get(port, STRANGER)).status, 404);
    handle.update([NET_A]);
    assert.equal((await get(port, ON_B)).status, 404, 'NET_B left the router: its instances are strangers');
    handle.update([NET_A, NET_B]);
    assert.equal((await get(port, ON_B)).status, 200);
    assert.deepEqual(handle.counters(), { 'metadata.200': 2, 'metadata.404': 2 });
    // Opening the same namespace again only replaces the networks: no second socket.
    await routers.openRouterMetadata(`x-qrouter-${ROUTER}`, [NET_A]);
    assert.equal(opened.length, 1);
    assert.equal((await get(port, ON_B)).status, 404);
    await handle.close();
    await assert.rejects(get(port, ON_B), /ECONNREFUSED/);
  });
});
