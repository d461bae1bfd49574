import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces, type Namespace, Sandbox } from '../../test/support/netns.js';
import { applyNft, readL2Table } from './nft-l2.js';
import { addPortScript, type PortFilterSpec, portElementsScript, removePortScript } from './nft-l2-rules.js';

const spec: PortFilterSpec = {
  device: 'tapabcdef01-23',
  macs: ['fa:16:3e:00:00:01'],
  ipv4: ['10.0.0.5', '10.0.1.0/24'],
  ipv6: ['fe80::f816:3eff:fe00:1'],
  ipv6Targets: ['0xfe80000000000000f8163efffe000001-0xfe80000000000000f8163efffe000001'],
};

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('the L2 protection on a real nft (in a test namespace)', { skip, concurrency: false }, () => {
  let sandbox: Sandbox;
  let ns: Namespace;
  before(async () => {
    sandbox = new Sandbox('nft');
    ns = await sandbox.addNamespace('host');
  });
  after(async () => sandbox?.teardown());

  test('a port: its chain, its four sets and the map element, in one transaction', async () => {
    await applyNft(ns.name, addPortScript(spec));
    const table = await readL2Table(ns.name);
    assert.ok(table.chains.has('tapabcdef01-23'));
    assert.ok(table.chains.has('prerouting'));
    assert.deepEqual([...table.mapped], ['tapabcdef01-23']);
    assert.deepEqual(table.elements.get('tapabcdef01-23-v4'), ['10.0.0.5', '10.0.1.0/24']);
    assert.deepEqual(table.elements.get('tapabcdef01-23-mac'), ['fa:16:3e:00:00:01']);
  });

  test('adding it again (an agent restart) is no error and keeps one rule set', async () => {
    await applyNft(ns.name, addPortScript(spec));
    const listed = await ns.exec('nft', ['list', 'chain', 'bridge', 'qdhcp-l2', 'tapabcdef01-23']);
    assert.equal(listed.stdout.match(/ether saddr != /g)?.length, 1);
    const hook = await ns.exec('nft', ['list', 'chain', 'bridge', 'qdhcp-l2', 'prerouting']);
    assert.equal(hook.stdout.match(/vmap/g)?.length, 1);
  });

  test('an address change is an element change only', async () => {
    await applyNft(ns.name, portElementsScript({ ...spec, ipv4: ['10.0.0.6'] }));
    const table = await readL2Table(ns.name);
    assert.deepEqual(table.elements.get('tapabcdef01-23-v4'), ['10.0.0.6']);
  });

  test('removal leaves nothing of the port', async () => {
    const before = await readL2Table(ns.name);
    await applyNft(
      ns.name,
      removePortScript('tapabcdef01-23', {
        mapped: true,
        chain: true,
        sets: [...before.sets],
      }),
    );
    const table = await readL2Table(ns.name);
    assert.deepEqual([...table.chains], ['prerouting']);
    assert.deepEqual([...table.sets], []);
    assert.deepEqual([...table.mapped], []);
  });

  test('nft refusing a script is an error with its message', async () => {
    await assert.rejects(
      applyNft(ns.name, ['add rule bridge qdhcp-l2 nosuchchain drop']),
      /nosuchchain|No such/,
    );
  });
});
