import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duidLlFromMac } from '../dhcpv6/index.js';
import { duidHex } from './client-match.js';
import { Dhcpv6HostTable } from './host-table.js';
import { dhcpv6Table } from './testing/tables.js';
import type { Dhcpv6Host } from './types.js';

const host = (portId: string, mac: string, clientDuid?: string, address?: string): Dhcpv6Host => ({
  portId,
  mac,
  addresses: address === undefined ? [] : [{ subnetId: 's', address }],
  extraOptions: [],
  ...(clientDuid === undefined ? {} : { clientDuid }),
});
const found = (table: Dhcpv6HostTable, duid: string | undefined, mac: string | undefined) =>
  table.find(duid, mac)?.host.portId;
const DUID_9 = duidHex(duidLlFromMac('fa:16:3e:00:00:09'));

test('find: the first host set wins, by DUID before MAC (as the list scan it replaced)', () => {
  const table = dhcpv6Table({
    subnets: [],
    hosts: [
      host('by-mac-1', 'fa:16:3e:00:00:01'),
      host('by-mac-2', 'fa:16:3e:00:00:01'),
      host('by-duid-1', 'fa:16:3e:00:00:02', DUID_9),
      host('by-duid-2', 'fa:16:3e:00:00:03', DUID_9),
    ],
  });
  assert.equal(DUID_9, '00030001fa163e000009');
  assert.ok(table.hasClientDuids);
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:01'), 'by-mac-1');
  assert.equal(found(table, DUID_9, 'fa:16:3e:00:00:01'), 'by-duid-1');
  assert.equal(found(table, '00030001fa163e000007', 'fa:16:3e:00:00:01'), 'by-mac-1');
  assert.equal(found(table, DUID_9, undefined), 'by-duid-1');
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:04'), undefined);
  assert.equal(found(dhcpv6Table({ subnets: [], hosts: [] }), DUID_9, 'fa:16:3e:00:00:01'), undefined);
});

test('changes one host at a time: replaced in place, re-keyed on a new MAC or DUID, removed', () => {
  const table = new Dhcpv6HostTable();
  table.setHost(host('a', 'fa:16:3e:00:00:01', undefined, '2001:db8::a'));
  table.setHost(host('b', 'fa:16:3e:00:00:01'));
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:01'), 'a');
  // An update keeps its place among hosts of the same MAC, and its addresses are parsed again.
  table.setHost(host('a', 'fa:16:3e:00:00:01', undefined, '2001:db8::aa'));
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:01'), 'a');
  assert.deepEqual(table.find(undefined, 'fa:16:3e:00:00:01')?.addresses, [
    { subnetId: 's', address: 0x20010db8n * 2n ** 96n + 0xaan },
  ]);
  // A new MAC moves it; the other host of the old MAC answers now.
  table.setHost(host('a', 'fa:16:3e:00:00:0a', DUID_9));
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:01'), 'b');
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:0a'), 'a');
  assert.equal(found(table, DUID_9, undefined), 'a');
  table.setHost(host('a', 'fa:16:3e:00:00:0a'));
  assert.equal(found(table, DUID_9, undefined), undefined, 'the DUID went with the update');
  assert.equal(table.hasClientDuids, false);
  table.removeHost('b');
  table.removeHost('missing');
  assert.equal(found(table, undefined, 'fa:16:3e:00:00:01'), undefined);
  assert.equal(table.hostCount, 1);
});

test('subnets: the service of each decided once when set; an address that is not IPv6 parses to undefined', () => {
  const table = new Dhcpv6HostTable();
  table.setSubnets([
    {
      id: 's',
      cidr: '2001:db8::/64',
      enableDhcp: true,
      ipv6AddressMode: 'slaac',
      ipv6RaMode: 'slaac',
      dnsNameservers: [],
      dhcpPortAddress: undefined,
    },
  ]);
  assert.equal(table.subnets[0]?.service.kind, 'none');
  table.setHost(host('v4', 'fa:16:3e:00:00:04', undefined, '10.0.0.4'));
  assert.deepEqual(table.find(undefined, 'fa:16:3e:00:00:04')?.addresses, [
    { subnetId: 's', address: undefined },
  ]);
});
