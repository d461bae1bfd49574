import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leftoverChainsScript } from './iptables-sg-leftovers.js';

/** `iptables-save -t filter` after a killed agent that protected two taps (its base flushed by no one). */
const SAVE = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:qsg-fwd - [0:0]
:qsg-i-tapaaaaaaaa-aa - [0:0]
:qsg-i-tapbbbbbbbb-bb - [0:0]
:qsg-o-tapaaaaaaaa-aa - [0:0]
:qsg-o-tapbbbbbbbb-bb - [0:0]
-A FORWARD -m physdev --physdev-is-bridged -j qsg-fwd
-A qsg-fwd -m physdev --physdev-out tapaaaaaaaa-aa --physdev-is-bridged -j qsg-i-tapaaaaaaaa-aa
-A qsg-fwd -m physdev --physdev-in tapaaaaaaaa-aa --physdev-is-bridged -j qsg-o-tapaaaaaaaa-aa
-A qsg-fwd -m physdev --physdev-out tapbbbbbbbb-bb --physdev-is-bridged -j qsg-i-tapbbbbbbbb-bb
-A qsg-fwd -m physdev --physdev-in tapbbbbbbbb-bb --physdev-is-bridged -j qsg-o-tapbbbbbbbb-bb
-A qsg-i-tapbbbbbbbb-bb -j DROP
COMMIT
`;

test('the chains of gone taps go with their jumps; kept ones and the base stay', () => {
  const keep = new Set(['qsg-i-tapaaaaaaaa-aa', 'qsg-o-tapaaaaaaaa-aa']);
  assert.equal(
    leftoverChainsScript(SAVE, keep, false),
    [
      '*filter',
      '-D qsg-fwd -m physdev --physdev-out tapbbbbbbbb-bb --physdev-is-bridged -j qsg-i-tapbbbbbbbb-bb',
      '-D qsg-fwd -m physdev --physdev-in tapbbbbbbbb-bb --physdev-is-bridged -j qsg-o-tapbbbbbbbb-bb',
      '-F qsg-i-tapbbbbbbbb-bb',
      '-F qsg-o-tapbbbbbbbb-bb',
      '-X qsg-i-tapbbbbbbbb-bb',
      '-X qsg-o-tapbbbbbbbb-bb',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('nothing enforced any more: the base goes too (FORWARD jump, qsg-fwd flushed and deleted)', () => {
  const script = leftoverChainsScript(SAVE, new Set(), true) ?? '';
  const lines = script.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('-D ')),
    ['-D FORWARD -m physdev --physdev-is-bridged -j qsg-fwd'],
  );
  assert.ok(lines.includes('-X qsg-fwd'));
  assert.equal(lines.filter((l) => l.startsWith('-X ')).length, 5);
});

test('nothing left over: no script', () => {
  const keep = new Set([
    'qsg-i-tapaaaaaaaa-aa',
    'qsg-o-tapaaaaaaaa-aa',
    'qsg-i-tapbbbbbbbb-bb',
    'qsg-o-tapbbbbbbbb-bb',
  ]);
  assert.equal(leftoverChainsScript(SAVE, keep, false), undefined);
  assert.equal(leftoverChainsScript('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n', new Set(), true), undefined);
});

test('shared group chains no kept port uses go after the port chains that jumped to them', () => {
  const save = `*filter
:qsg-fwd - [0:0]
:qsg-i-tapaaaaaaaa-aa - [0:0]
:qsg-o-tapaaaaaaaa-aa - [0:0]
:qsg-si-111111111111 - [0:0]
:qsg-so-111111111111 - [0:0]
:qsg-si-222222222222 - [0:0]
:qsg-so-222222222222 - [0:0]
-A qsg-fwd -m physdev --physdev-out tapaaaaaaaa-aa --physdev-is-bridged -j qsg-i-tapaaaaaaaa-aa
-A qsg-fwd -m physdev --physdev-in tapaaaaaaaa-aa --physdev-is-bridged -j qsg-o-tapaaaaaaaa-aa
-A qsg-i-tapaaaaaaaa-aa -j qsg-si-111111111111
-A qsg-o-tapaaaaaaaa-aa -j qsg-so-111111111111
COMMIT
`;
  const keep = new Set(['qsg-si-222222222222', 'qsg-so-222222222222']);
  const lines = (leftoverChainsScript(save, keep, false) ?? '').split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('-X ')),
    [
      '-X qsg-i-tapaaaaaaaa-aa',
      '-X qsg-o-tapaaaaaaaa-aa',
      '-X qsg-si-111111111111',
      '-X qsg-so-111111111111',
    ],
  );
  // Every -X after every -F: a chain is deleted only once nothing jumps to it.
  const lastFlush = lines.findLastIndex((l) => l.startsWith('-F '));
  assert.ok(lines.findIndex((l) => l.startsWith('-X ')) > lastFlush);
});
