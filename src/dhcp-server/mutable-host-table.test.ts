import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireIpv4 as parseIpv4 } from '../common/ipv4.js';
import { parseHostLine } from './dnsmasq/hosts-file.js';
import type { HostBinding } from './host-binding.js';
import { HostTable } from './host-table.js';
import { macToNumbers } from './mac-numbers.js';
import { MutableHostTable } from './mutable-host-table.js';

function entry(line: string): HostBinding {
  const parsed = parseHostLine(line, 1);
  assert.equal(parsed.kind, 'entry');
  return (parsed as { entry: HostBinding }).entry;
}
const any = (): boolean => true;

test('replace and remove work per owner, and lookups match HostTable on the same entries', () => {
  const table = new MutableHostTable();
  const a = entry('fa:16:3e:00:00:01,host-a,10.0.0.1');
  const b = entry('fa:16:3e:00:00:02,id:01:02,host-b,10.0.0.2');
  table.replace('port-a', [a]);
  table.replace('port-b', [b]);
  const reference = HostTable.build([a, b]);
  for (const [mac, id] of [
    ['fa:16:3e:00:00:01', undefined],
    ['fa:16:3e:00:00:09', '01:02'],
    ['fa:16:3e:00:00:09', undefined],
  ] as const) {
    assert.deepEqual(table.find(mac, id, any), reference.find(mac, id, any));
  }
  const moved = entry('fa:16:3e:00:00:01,host-a,10.0.0.11');
  table.replace('port-a', [moved]);
  assert.equal(table.find('fa:16:3e:00:00:01', undefined, any).entry?.ip, parseIpv4('10.0.0.11'));
  assert.equal(table.size, 2);
  table.remove('port-b');
  table.remove('port-b');
  assert.deepEqual(table.find('fa:16:3e:00:00:02', '01:02', any), { entry: undefined, known: false });
  assert.equal(table.size, 1);
});

test('known-but-wrong-subnet is told apart from unknown, and the latest entry for a MAC wins', () => {
  const table = new MutableHostTable();
  table.replace('p1', [entry('fa:16:3e:00:00:01,h1,10.0.0.1'), entry('fa:16:3e:00:00:01,h1,10.1.0.1')]);
  const only10 = (ip: number): boolean => ip >>> 24 === 10 && ((ip >>> 16) & 255) === 0;
  assert.equal(table.find('fa:16:3e:00:00:01', undefined, only10).entry?.ip, parseIpv4('10.0.0.1'));
  assert.equal(table.find('fa:16:3e:00:00:01', undefined, any).entry?.ip, parseIpv4('10.1.0.1'));
  assert.deepEqual(
    table.find('fa:16:3e:00:00:01', undefined, () => false),
    { entry: undefined, known: true },
  );
});

test('10,000 port updates take milliseconds (O(1) each)', () => {
  const table = new MutableHostTable();
  for (let i = 0; i < 10_000; i++) {
    table.replace(`p${i}`, [
      entry(
        `fa:16:3e:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')},h,10.0.${(i >> 8) & 255}.${i & 255}`,
      ),
    ]);
  }
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) table.replace(`p${i}`, table.entriesOf(`p${i}`));
  assert.ok(performance.now() - started < 500);
  assert.equal(table.size, 10_000);
});

test('a lookup by the MAC as numbers finds what the lookup by its text finds, in both tables', () => {
  const table = new MutableHostTable();
  const a = entry('fa:16:3e:00:00:01,host-a,10.0.0.1');
  const b = entry('fa:16:3e:00:00:02,id:01:02,host-b,10.0.0.2');
  // Not the decoder's canonical text (upper case): the text lookup never matches it, so neither may the numbers.
  const odd: HostBinding = { ...entry('fa:16:3e:00:00:03,host-c,10.0.0.3'), macs: ['FA:16:3E:00:00:03'] };
  table.replace('port-a', [a]);
  table.replace('port-b', [b]);
  table.replace('port-c', [odd]);
  const reference = HostTable.build([a, b]);
  const check = (mac: string, id: string | undefined): void => {
    const [high, low] = macToNumbers(mac) ?? [-1, -1];
    const byText = table.find(mac, id, any);
    assert.deepEqual(table.find(mac, id, any, high, low), byText, `${mac} in the mutable table`);
    assert.deepEqual(
      reference.find(mac, id, any, high, low),
      reference.find(mac, id, any),
      `${mac} in HostTable`,
    );
    assert.deepEqual(reference.find(mac, id, any, high, low), byText, `${mac}: both tables`);
  };
  for (const mac of ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02', 'fa:16:3e:00:00:03', 'fa:16:3e:00:00:09']) {
    check(mac, undefined);
    check(mac, '01:02');
  }
  const [high, low] = macToNumbers('fa:16:3e:00:00:01') ?? [-1, -1];
  table.remove('port-a');
  assert.deepEqual(table.find('fa:16:3e:00:00:01', undefined, any, high, low), {
    entry: undefined,
    known: false,
  });
  table.replace('port-a', [entry('fa:16:3e:00:00:01,host-a,10.0.0.11')]);
  assert.equal(table.find('fa:16:3e:00:00:01', undefined, any, high, low).entry?.ip, parseIpv4('10.0.0.11'));
});
