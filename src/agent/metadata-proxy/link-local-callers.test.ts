import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetadataBackend, ProxiedRequest } from './backends.js';
import { linkLocalMac, withLinkLocalCallers } from './link-local-callers.js';

test('linkLocalMac: the MAC inside a link-local EUI-64 address (oslo netutils.get_mac_addr_by_ipv6 vectors)', () => {
  const table: [string, string | undefined][] = [
    ['fe80::5054:ff:fe42:219', '52:54:00:42:02:19'],
    ['fe80::f816:3eff:fe00:1', 'fa:16:3e:00:00:01'],
    ['fe80::ff:fe00:0', '02:00:00:00:00:00'],
    ['fe80::200:ff:fe00:0', '00:00:00:00:00:00'],
    ['FE80::F816:3EFF:FE00:1%eth0', 'fa:16:3e:00:00:01'],
    // Not link-local, or no ff:fe in the middle (privacy / stable-privacy identifiers): nobody.
    ['2001:db8::216:3eff:fe33:4455', undefined],
    ['fe80::1', undefined],
    ['fe80::a9fe:a9fe', undefined],
    ['10.0.0.5', undefined],
    ['not an address', undefined],
  ];
  for (const [address, mac] of table) assert.equal(linkLocalMac(address), mac, address);
});

test('withLinkLocalCallers: a link-local caller is asked as its port’s fixed IP, others unchanged', async () => {
  const seen: string[] = [];
  const backend: MetadataBackend = {
    name: 'builtin',
    methods: new Set(['GET']),
    answer: async (request) => {
      seen.push(request.remoteAddress);
      return { status: 200, contentType: 'text/plain', body: '' };
    },
  };
  const asked: [readonly string[], string][] = [];
  const wrapped = withLinkLocalCallers(backend, {
    addressOfMac: (networkIds, mac) => {
      asked.push([networkIds, mac]);
      return mac === 'fa:16:3e:00:00:01' ? '10.0.0.5' : undefined;
    },
  });
  const request = (remoteAddress: string): ProxiedRequest => ({
    networkIds: ['net-a'],
    routerId: undefined,
    remoteAddress,
    method: 'GET',
    path: '/',
    body: undefined,
    contentType: undefined,
  });
  await wrapped.answer(request('fe80::f816:3eff:fe00:1'));
  await wrapped.answer(request('fe80::f816:3eff:fe00:2'));
  await wrapped.answer(request('10.0.0.7'));
  assert.deepEqual(seen, ['10.0.0.5', 'fe80::f816:3eff:fe00:2', '10.0.0.7']);
  assert.deepEqual(asked, [
    [['net-a'], 'fa:16:3e:00:00:01'],
    [['net-a'], 'fa:16:3e:00:00:02'],
  ]);
  assert.equal(wrapped.name, 'builtin');
});
