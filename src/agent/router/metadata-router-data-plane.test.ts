import assert from 'node:assert/strict';
import { fstatSync, openSync } from 'node:fs';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import { type ListeningSocketSpec, ListeningSockets } from '../../linux/listening-sockets.js';
import { createBuiltinBackend } from '../metadata-proxy/backends.js';
import { MetadataProxy } from '../metadata-proxy/proxy-server.js';
import { ROUTER_METADATA_PORT, RouterMetadata } from '../metadata-proxy/router-metadata.js';
import { MetadataRouterDataPlane } from './metadata-router-data-plane.js';
import type { RouterSpec } from './router-spec.js';
import { RecordingRouterDataPlane } from './testing/recording-router-data-plane.js';

/**
 * After a planned restart the successor waits until every router listener it received is adopted or let go
 * (src/main/agent-handover.ts): a router removed, or left with nothing to listen for, lets its received
 * listener go at once instead of keeping the takeover waiting (the adoption itself, a real socket in a
 * `qrouter-` namespace: test/e2e/router-metadata-handover.test.ts).
 */
const GONE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const BARE = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const namespaceOf = (id: string) => `x-qrouter-${id}`;

function routerListener(routerId: string): ListeningSocketSpec {
  return { namespace: namespaceOf(routerId), kind: 'tcp4', address: '0.0.0.0', port: ROUTER_METADATA_PORT };
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

test('a removed router or one without interfaces lets its handed-over listener go; other sockets wait', async () => {
  const logger = createLogger({ level: 'silent' });
  const proxy = new MetadataProxy({
    backend: createBuiltinBackend({ find: () => Promise.reject(new Error('not asked')) }),
    logger,
  });
  const sockets = new ListeningSockets();
  // Descriptors standing in for received sockets (what they are does not matter until one is acquired).
  const received = [routerListener(GONE), routerListener(BARE)].map((spec) => ({
    spec,
    fd: openSync('/dev/null', 'r'),
  }));
  const dhcp: ListeningSocketSpec = { namespace: 'x-qdhcp-net', kind: 'udp4', address: '0.0.0.0', port: 67 };
  const dhcpFd = openSync('/dev/null', 'r');
  sockets.inherit([...received, { spec: dhcp, fd: dhcpFd }]);
  const metadata = new RouterMetadata(proxy, { sockets });
  const plane = new MetadataRouterDataPlane(new RecordingRouterDataPlane(), metadata, namespaceOf, logger);
  assert.deepEqual(metadata.handedOverWaiting(), [namespaceOf(GONE), namespaceOf(BARE)]);

  await plane.remove(GONE);
  assert.deepEqual(metadata.handedOverWaiting(), [namespaceOf(BARE)]);
  assert.equal(isOpen(received[0]?.fd ?? -1), false, 'closed: it would keep the deleted namespace alive');

  const bare: RouterSpec = {
    id: BARE,
    projectId: 'p',
    adminStateUp: true,
    gateway: null,
    interfaces: [],
    floatingIps: [],
    routes: [],
    revision: 3,
  };
  await plane.apply(bare);
  assert.deepEqual(metadata.handedOverWaiting(), []);
  assert.equal(isOpen(received[1]?.fd ?? -1), false);
  // Not a router's: left for its own network (or the takeover's closeUnclaimed).
  assert.deepEqual(sockets.unclaimed(), [dhcp]);
  assert.equal(isOpen(dhcpFd), true);
  assert.equal(sockets.closeUnclaimed(), 1);
  await proxy.stop(0);
});
