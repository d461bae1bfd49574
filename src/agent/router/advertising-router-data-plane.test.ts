import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import type { Icmp6Endpoint } from '../../linux/namespace-icmp6.js';
import { AdvertisingRouterDataPlane } from './advertising-router-data-plane.js';
import type { RouterPortSpec, RouterSpec } from './router-spec.js';
import { RecordingRouterDataPlane } from './testing/recording-router-data-plane.js';

/** Everything that happened, in order: data plane calls, opens, sends (router lifetime), closes. */
type Step = string;

function harness() {
  const steps: Step[] = [];
  const inner = new RecordingRouterDataPlane();
  const wrappedInner = {
    apply: async (spec: RouterSpec) => {
      steps.push(`apply ${spec.revision}`);
      await inner.apply(spec);
    },
    remove: async (id: string) => {
      steps.push(`remove ${id}`);
      await inner.remove(id);
    },
    list: () => inner.list(),
  };
  const solicit = new Map<string, () => void>();
  const plane = new AdvertisingRouterDataPlane(wrappedInner, {
    namespaceOf: (id) => `qrouter-${id}`,
    logger: createLogger({ level: 'silent' }),
    open: (namespace, device, onSolicitation): Icmp6Endpoint => {
      steps.push(`open ${namespace} ${device}`);
      solicit.set(device, () => onSolicitation('fe80::9'));
      return {
        send: (bytes, destination) => {
          const lifetime = (bytes[6]! << 8) | bytes[7]!;
          steps.push(`send ${device} ${destination} lifetime ${lifetime} flags ${bytes[5]}`);
        },
        close: () => steps.push(`close ${device}`),
      };
    },
  });
  return { steps, plane, solicit };
}

function iface(portId: string, mode: string | null, cidr: string): RouterPortSpec {
  return {
    portId,
    networkId: `n-${portId}`,
    macAddress: 'fa:16:3e:00:00:01',
    mtu: 1500,
    addresses: [
      { subnetId: cidr, ipAddress: 'fd00::1', cidr, ipVersion: 6, gatewayIp: 'fd00::1', ipv6RaMode: mode },
    ],
  };
}

function spec(revision: number, interfaces: readonly RouterPortSpec[], adminStateUp = true): RouterSpec {
  return {
    id: 'r1',
    projectId: 'p',
    adminStateUp,
    gateway: null,
    interfaces,
    floatingIps: [],
    routes: [],
    revision,
  };
}

const slaacPort = iface('aaaaaaaaaaaa-1', 'slaac', 'fd00:1::/64');
const statefulPort = iface('bbbbbbbbbbbb-2', 'dhcpv6-stateful', 'fd00:2::/64');
const plainPort = iface('cccccccccccc-3', null, 'fd00:3::/64');

test('advertises on each qr- interface with ipv6_ra_mode after the converge, none on the others', async () => {
  const { steps, plane, solicit } = harness();
  await plane.apply(spec(1, [slaacPort, statefulPort, plainPort]));
  assert.deepEqual(steps, [
    'apply 1',
    'open qrouter-r1 qr-aaaaaaaaaaa',
    'send qr-aaaaaaaaaaa ff02::1 lifetime 300 flags 0',
    'open qrouter-r1 qr-bbbbbbbbbbb',
    'send qr-bbbbbbbbbbb ff02::1 lifetime 300 flags 128',
  ]);
  steps.length = 0;
  await plane.apply(spec(2, [slaacPort, statefulPort, plainPort]));
  assert.deepEqual(steps, ['apply 2'], 'the same advertisement: no reopen, no new burst');
  // A solicitation within 3 s of the last advertisement is not answered again (RFC 4861 §10).
  solicit.get('qr-aaaaaaaaaaa')?.();
  assert.deepEqual(steps, ['apply 2']);
  assert.deepEqual(
    plane.report().map((r) => [r.device, r.sent, r.solicitations]),
    [
      ['qr-aaaaaaaaaaa', 1, 1],
      ['qr-bbbbbbbbbbb', 1, 0],
    ],
  );
  await plane.close();
});

test('an interface that goes: lifetime 0 sent before the data plane deletes its device', async () => {
  const { steps, plane } = harness();
  await plane.apply(spec(1, [slaacPort, statefulPort]));
  steps.length = 0;
  await plane.apply(spec(2, [statefulPort]));
  assert.deepEqual(steps, [
    'send qr-aaaaaaaaaaa ff02::1 lifetime 0 flags 0',
    'close qr-aaaaaaaaaaa',
    'apply 2',
  ]);
  steps.length = 0;
  await plane.apply(spec(3, [statefulPort], false));
  assert.deepEqual(
    steps,
    ['send qr-bbbbbbbbbbb ff02::1 lifetime 0 flags 128', 'close qr-bbbbbbbbbbb', 'apply 3'],
    'admin down: the router goes',
  );
  assert.deepEqual(plane.report(), []);
});

test('a router removed: lifetime 0 on every interface first; close() stops without it', async () => {
  const { steps, plane } = harness();
  await plane.apply(spec(1, [slaacPort, statefulPort]));
  steps.length = 0;
  await plane.remove('r1');
  assert.deepEqual(steps, [
    'send qr-aaaaaaaaaaa ff02::1 lifetime 0 flags 0',
    'close qr-aaaaaaaaaaa',
    'send qr-bbbbbbbbbbb ff02::1 lifetime 0 flags 128',
    'close qr-bbbbbbbbbbb',
    'remove r1',
  ]);
  await plane.apply(spec(2, [slaacPort]));
  steps.length = 0;
  await plane.close();
  assert.deepEqual(steps, ['close qr-aaaaaaaaaaa'], 'agent stop: the router stays, no goodbye');
});

test('a changed advertisement (mode of the subnets) is an update on the same socket', async () => {
  const { steps, plane } = harness();
  await plane.apply(spec(1, [slaacPort]));
  steps.length = 0;
  await plane.apply(
    spec(2, [{ ...slaacPort, addresses: [...slaacPort.addresses, ...statefulPort.addresses] }]),
  );
  assert.deepEqual(steps, ['apply 2', 'send qr-aaaaaaaaaaa ff02::1 lifetime 300 flags 128']);
  await plane.close();
});
