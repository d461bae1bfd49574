import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { testNetwork, testPort } from '../testing/model-fixtures.js';
import { encodeServedNetwork, parseServedNetwork, SERVED_STATE_FORMAT_VERSION } from './format.js';

const NETWORK_ID = '5a1d0c9e-0000-4000-8000-000000000001';
const SUBNET_ID = '5a1d0c9e-0000-4000-8000-000000000002';
const SAVED_AT = new Date('2026-12-04T10:00:00Z');

function served(ports = 2) {
  const list = Array.from({ length: ports }, (_, i) =>
    testPort(SUBNET_ID, `p-${String(i).padStart(2, '0')}`, `10.9.0.${i + 10}`),
  );
  const network = testNetwork({ network: NETWORK_ID, subnet: SUBNET_ID }, '10.9.0.0/24', list);
  // As the reader gives subnets back (network-view.ts: the IPv6 modes narrowed, absent read as null).
  const subnets = network.subnets.map((s) => ({ ...s, ipv6_address_mode: null, ipv6_ra_mode: null }));
  return { network: { ...network, subnets }, revision: 7 };
}

function codeOf(text: string): string {
  const parsed = parseServedNetwork(text, 'x.json', NETWORK_ID);
  return parsed.kind === 'ok' ? 'ok' : parsed.error.code;
}

describe('served-state format', () => {
  test('a written network reads back equal, with its revision and the current format version', () => {
    const text = encodeServedNetwork(served(), SAVED_AT);
    assert.equal(JSON.parse(text).formatVersion, SERVED_STATE_FORMAT_VERSION);
    const parsed = parseServedNetwork(text, 'x.json', NETWORK_ID);
    assert.equal(parsed.kind, 'ok');
    assert.deepEqual(parsed.kind === 'ok' && parsed.served, served());
  });

  test('a newer minor version is read (it only adds optional fields); another major is incompatible', () => {
    const file = JSON.parse(encodeServedNetwork(served(), SAVED_AT));
    assert.equal(codeOf(JSON.stringify({ ...file, formatVersion: '1.7', later: { x: 1 } })), 'ok');
    assert.equal(codeOf(JSON.stringify({ ...file, formatVersion: '2.0' })), 'SERVED_STATE_INCOMPATIBLE');
    assert.equal(codeOf(JSON.stringify({ ...file, formatVersion: 1 })), 'SERVED_STATE_UNREADABLE');
  });

  test('torn, foreign or misplaced files are unreadable, never thrown', () => {
    const text = encodeServedNetwork(served(), SAVED_AT);
    assert.equal(codeOf(text.slice(0, text.length / 2)), 'SERVED_STATE_UNREADABLE');
    assert.equal(codeOf('[]'), 'SERVED_STATE_UNREADABLE');
    assert.equal(codeOf('null'), 'SERVED_STATE_UNREADABLE');
    const file = JSON.parse(text);
    assert.equal(
      codeOf(JSON.stringify({ ...file, network: { ...file.network, revision: -1 } })),
      'SERVED_STATE_UNREADABLE',
    );
    const other = parseServedNetwork(text, 'x.json', 'another-network');
    assert.equal(other.kind === 'skipped' && other.error.code, 'SERVED_STATE_UNREADABLE');
  });

  test('property: any text, and any JSON value in any field, parses to ok or a coded skip', () => {
    const valid = JSON.parse(encodeServedNetwork(served(1), SAVED_AT));
    const anyText = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify({ ...valid, network: value })),
      fc.jsonValue().map((value) => JSON.stringify({ ...valid, formatVersion: value })),
      fc
        .tuple(fc.constantFrom('id', 'subnets', 'ports', 'mtu', 'revision'), fc.jsonValue())
        .map(([key, value]) => JSON.stringify({ ...valid, network: { ...valid.network, [key]: value } })),
      fc.nat({ max: JSON.stringify(valid).length }).map((cut) => JSON.stringify(valid).slice(0, cut)),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const code = codeOf(text);
        assert.ok(['ok', 'SERVED_STATE_UNREADABLE', 'SERVED_STATE_INCOMPATIBLE'].includes(code), code);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: encode then parse is the identity for any port count and revision', () => {
    fc.assert(
      fc.property(fc.nat({ max: 60 }), fc.nat({ max: 2 ** 31 }), (ports, revision) => {
        const value = { ...served(ports), revision };
        const parsed = parseServedNetwork(encodeServedNetwork(value, SAVED_AT), 'x.json', NETWORK_ID);
        assert.deepEqual(parsed.kind === 'ok' && parsed.served, value);
      }),
      { numRuns: 100 },
    );
  });
});
