import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces, type Namespace, Sandbox } from '../../test/support/netns.js';
import { applyNft, readL2Table } from './nft-l2.js';
import {
  dropTableScript,
  elementsOfTap,
  type PortFilterSpec,
  portChangeScript,
  tableScript,
} from './nft-l2-rules.js';

const spec: PortFilterSpec = {
  device: 'tapabcdef01-23',
  macs: ['fa:16:3e:00:00:01'],
  ipv4: ['10.0.0.5', '10.0.1.0/24'],
  ipv6: ['fe80::f816:3eff:fe00:1'],
  ipv6Targets: ['0xfe80000000000000f8163efffe000001-0xfe80000000000000f8163efffe000001'],
};

describe('portChangeScript (pure)', () => {
  test('an address change deletes and adds only what differs; membership untouched', () => {
    const lines = portChangeScript(spec.device, spec, { ...spec, ipv4: ['10.0.0.5', '10.0.0.6'] });
    assert.deepEqual(lines, [
      'delete element bridge qdhcp-l2 v4 { "tapabcdef01-23" . 10.0.1.0/24 }',
      'add element bridge qdhcp-l2 v4 { "tapabcdef01-23" . 10.0.0.6 }',
    ]);
  });
  test('no change: no line (no nft process)', () => {
    assert.deepEqual(portChangeScript(spec.device, spec, spec), []);
  });
});

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('the L2 protection on a real nft (in a test namespace)', { skip, concurrency: false }, () => {
  let sandbox: Sandbox;
  let ns: Namespace;
  before(async () => {
    sandbox = new Sandbox('nft');
    ns = await sandbox.addNamespace('host');
  });
  after(async () => sandbox?.teardown());

  test('the table, then a port: its elements and its membership, in one transaction', async () => {
    await applyNft(ns.name, tableScript());
    await applyNft(ns.name, portChangeScript(spec.device, undefined, spec));
    const table = await readL2Table(ns.name);
    assert.deepEqual([...table.chains].sort(), ['prerouting', 'protect']);
    assert.deepEqual([...table.protectedTaps], ['tapabcdef01-23']);
    assert.deepEqual(table.elements.get('v4'), ['tapabcdef01-23 . 10.0.0.5', 'tapabcdef01-23 . 10.0.1.0/24']);
    assert.deepEqual(table.elements.get('mac'), ['tapabcdef01-23 . fa:16:3e:00:00:01']);
  });

  test('the table script again (an agent start) keeps one copy of each rule', async () => {
    await applyNft(ns.name, tableScript());
    const listed = await ns.exec('nft', ['list', 'chain', 'bridge', 'qdhcp-l2', 'protect']);
    assert.equal(listed.stdout.match(/ether saddr != /g)?.length, 1);
    const hook = await ns.exec('nft', ['list', 'chain', 'bridge', 'qdhcp-l2', 'prerouting']);
    assert.equal(hook.stdout.match(/jump protect/g)?.length, 1);
  });

  test('an address change is an element change only', async () => {
    await applyNft(ns.name, portChangeScript(spec.device, spec, { ...spec, ipv4: ['10.0.0.6'] }));
    const table = await readL2Table(ns.name);
    assert.deepEqual(table.elements.get('v4'), ['tapabcdef01-23 . 10.0.0.6']);
  });

  test('removal leaves no element of the port', async () => {
    await applyNft(ns.name, portChangeScript(spec.device, { ...spec, ipv4: ['10.0.0.6'] }, undefined));
    assert.deepEqual(elementsOfTap(await readL2Table(ns.name), spec.device), []);
  });

  test('latency of an address change with 10 and with 1,000 protected ports (printed)', async (t) => {
    const specOf = (i: number): PortFilterSpec => ({
      device: `tap${i.toString(16).padStart(8, '0')}-00`,
      macs: [
        `fa:16:3e:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
      ],
      ipv4: [`10.${(i >> 8) & 0xff}.${i & 0xff}.5`],
      ipv6: [],
      ipv6Targets: [],
    });
    let current = specOf(0);
    let change = 0;
    const measure = async (): Promise<{ p50: number; max: number }> => {
      const times: number[] = [];
      for (let round = 0; round < 20; round++) {
        const next = { ...current, ipv4: [`10.0.0.${++change + 10}`] };
        const started = performance.now();
        await applyNft(ns.name, portChangeScript(current.device, current, next));
        times.push(performance.now() - started);
        current = next;
      }
      times.sort((x, y) => x - y);
      return { p50: times[10]!, max: times[19]! };
    };
    let made = 0;
    const grow = async (to: number) => {
      while (made < to) {
        const lines: string[] = [];
        for (const end = Math.min(to, made + 100); made < end; made++)
          lines.push(...portChangeScript(specOf(made).device, undefined, specOf(made)));
        await applyNft(ns.name, lines);
      }
    };
    await grow(10);
    const small = await measure();
    const started = performance.now();
    await grow(1000);
    const bulk = performance.now() - started;
    const large = await measure();
    t.diagnostic(
      `element change (one nft -f): 10 ports p50 ${small.p50.toFixed(1)} ms max ${small.max.toFixed(1)} ms; ` +
        `1,000 ports p50 ${large.p50.toFixed(1)} ms max ${large.max.toFixed(1)} ms; 990 ports added in ${bulk.toFixed(0)} ms`,
    );
    const table = await readL2Table(ns.name);
    assert.equal(table.protectedTaps.size, 1000);
    assert.ok(table.elements.get('v4')?.includes(`${specOf(0).device} . 10.0.0.50`));
  });

  test('dropping the table (an agent start) leaves nothing; dropping a missing one is no error', async () => {
    await applyNft(ns.name, dropTableScript());
    assert.equal((await readL2Table(ns.name)).exists, false);
    await applyNft(ns.name, dropTableScript());
  });

  test('nft refusing a script is an error with its message', async () => {
    await assert.rejects(
      applyNft(ns.name, ['add rule bridge qdhcp-l2 nosuchchain drop']),
      /nosuchchain|No such/,
    );
  });
});
