import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duidLlFromMac } from '../dhcpv6/index.js';
import { findHost } from './client-match.js';
import type { Dhcpv6Host } from './types.js';

const host = (portId: string, mac: string, clientDuid?: string): Dhcpv6Host => ({
  portId,
  mac,
  addresses: [],
  extraOptions: [],
  ...(clientDuid === undefined ? {} : { clientDuid }),
});

test('findHost: the first host of the list wins, by DUID before MAC (as the scan it replaced)', () => {
  const duid = duidLlFromMac('fa:16:3e:00:00:09');
  const hosts = [
    host('by-mac-1', 'fa:16:3e:00:00:01'),
    host('by-mac-2', 'fa:16:3e:00:00:01'),
    host('by-duid-1', 'fa:16:3e:00:00:02', '00030001fa163e000009'),
    host('by-duid-2', 'fa:16:3e:00:00:03', '00030001fa163e000009'),
  ];
  assert.equal(findHost(hosts, undefined, 'fa:16:3e:00:00:01')?.portId, 'by-mac-1');
  assert.equal(findHost(hosts, duid, 'fa:16:3e:00:00:01')?.portId, 'by-duid-1');
  assert.equal(findHost(hosts, duidLlFromMac('fa:16:3e:00:00:07'), 'fa:16:3e:00:00:01')?.portId, 'by-mac-1');
  assert.equal(findHost(hosts, duid, undefined)?.portId, 'by-duid-1');
  assert.equal(findHost(hosts, undefined, 'fa:16:3e:00:00:04'), undefined);
  assert.equal(findHost([], duid, 'fa:16:3e:00:00:01'), undefined);
});

test('findHost: a new host list (a port changed) is searched, not the index of the previous one', () => {
  const before = [host('old', 'fa:16:3e:00:00:01')];
  assert.equal(findHost(before, undefined, 'fa:16:3e:00:00:01')?.portId, 'old');
  const after = [host('new', 'fa:16:3e:00:00:01'), host('other', 'fa:16:3e:00:00:05')];
  assert.equal(findHost(after, undefined, 'fa:16:3e:00:00:01')?.portId, 'new');
  assert.equal(findHost(after, undefined, 'fa:16:3e:00:00:05')?.portId, 'other');
  assert.equal(findHost(before, undefined, 'fa:16:3e:00:00:05'), undefined);
});
