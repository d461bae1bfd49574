import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { desiredRouter, type RouterPlacement } from './desired-router.js';
import { floatingIpDelta } from './floating-ip-delta.js';
import type { FloatingIpSpec, RouterSpec } from './router-spec.js';

const placement: RouterPlacement = { namespacePrefix: 'p-', bridgeFor: () => undefined };
const QG = 'qg-22222222-aa';
const T = 'ip qrouter';

function router(floatingIps: readonly FloatingIpSpec[], extra: Partial<RouterSpec> = {}) {
  return desiredRouter(
    {
      id: 'r1',
      projectId: 'p',
      adminStateUp: true,
      revision: 1,
      gateway: {
        portId: '22222222-aaaa-bbbb-cccc-000000000002',
        networkId: 'ext',
        macAddress: 'fa:16:3e:00:00:02',
        mtu: 1500,
        enableSnat: true,
        addresses: [
          {
            subnetId: 'e',
            ipAddress: '172.24.4.2',
            cidr: '172.24.4.0/24',
            ipVersion: 4,
            gatewayIp: '172.24.4.1',
          },
        ],
      },
      interfaces: [
        {
          portId: '11111111-aaaa-bbbb-cccc-000000000001',
          networkId: 'tenant',
          macAddress: 'fa:16:3e:00:00:01',
          mtu: 1450,
          addresses: [
            {
              subnetId: 't',
              ipAddress: '10.0.0.1',
              cidr: '10.0.0.0/24',
              ipVersion: 4,
              gatewayIp: '10.0.0.1',
            },
          ],
        },
      ],
      floatingIps,
      routes: [],
      ...extra,
    },
    placement,
  );
}

const fip = (floating: string, fixed: string): FloatingIpSpec => ({
  id: floating,
  floatingIpAddress: floating,
  fixedIpAddress: fixed,
  portId: fixed,
});
const many = Array.from({ length: 200 }, (_, i) => fip(`172.24.4.${20 + i}`, `10.0.0.${20 + i}`));

describe('floating IP delta', () => {
  test('associate: the elements, then one /32; announced and its old connections deleted', () => {
    const delta = floatingIpDelta(router([]), router([fip('172.24.4.10', '10.0.0.5')]));
    assert.deepEqual(delta, {
      ipLines: [`addr add 172.24.4.10/32 dev ${QG}`],
      nftLines: [
        `add element ${T} fip_dnat { 172.24.4.10 : 10.0.0.5 }`,
        `add element ${T} fip_snat { 10.0.0.5 : 172.24.4.10 }`,
      ],
      added: ['172.24.4.10'],
      mapped: ['172.24.4.10'],
      released: [],
    });
  });

  test('disassociate: the /32 and both elements go, the address is released', () => {
    const delta = floatingIpDelta(router([fip('172.24.4.10', '10.0.0.5')]), router([]));
    assert.deepEqual(delta?.ipLines, [`addr del 172.24.4.10/32 dev ${QG}`]);
    assert.deepEqual(delta?.nftLines, [
      `delete element ${T} fip_dnat { 172.24.4.10 }`,
      `delete element ${T} fip_snat { 10.0.0.5 }`,
    ]);
    assert.deepEqual([delta?.added, delta?.mapped, delta?.released], [[], [], ['172.24.4.10']]);
  });

  test('moved to another fixed IP: no address change, elements replaced, old and new paths flushed', () => {
    const delta = floatingIpDelta(
      router([fip('172.24.4.10', '10.0.0.5')]),
      router([fip('172.24.4.10', '10.0.0.6')]),
    );
    assert.deepEqual(delta?.ipLines, []);
    assert.equal(delta?.nftLines.length, 4);
    assert.deepEqual([delta?.added, delta?.mapped, delta?.released], [[], ['172.24.4.10'], ['172.24.4.10']]);
  });

  test('the 201st beside 200: still one address and two elements (flat in the count)', () => {
    const delta = floatingIpDelta(router(many), router([...many, fip('172.24.4.10', '10.0.0.5')]));
    assert.deepEqual(delta?.ipLines, [`addr add 172.24.4.10/32 dev ${QG}`]);
    assert.equal(delta?.nftLines.length, 2);
  });

  test('no change: nothing to do', () => {
    const delta = floatingIpDelta(router(many), router(many));
    assert.deepEqual([delta?.ipLines, delta?.nftLines, delta?.added, delta?.released], [[], [], [], []]);
  });

  test('anything else changed: no delta (the data plane converges from what exists)', () => {
    const before = router([fip('172.24.4.10', '10.0.0.5')]);
    for (const after of [
      router([fip('172.24.4.10', '10.0.0.5')], {
        routes: [{ destination: '10.9.0.0/16', nexthop: '10.0.0.9' }],
      }),
      router([], { interfaces: [] }),
      router([], { gateway: null }),
    ])
      assert.equal(floatingIpDelta(before, after), undefined);
  });
});
