/**
 * The engine answers the captured client messages (test/fixtures/dhcpv6) with the tables of the capture
 * (dnsmasq's subnet, host and server MAC), and its answers are compared with dnsmasq's, field by field. The
 * one difference: dnsmasq also sends the client FQDN option (39) with the host name; qdhcp does not (yet).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDhcpv6Fixture } from '../../test/support/dhcpv6-fixtures.js';
import { type ClientServerMessage, decodeMessage, encodeMessage } from '../dhcpv6/index.js';
import { show } from '../dhcpv6/testing/values.js';
import { handleDhcpv6 } from './engine.js';
import { CONFIG, subnet, tables } from './testing/tables.js';

const FQDN = 39;

function withoutFqdn(message: ClientServerMessage): ClientServerMessage {
  return { ...message, options: message.options.filter((o) => !(o.type === 'unknown' && o.code === FQDN)) };
}

const PAIRS: readonly [request: string, dnsmasq: string][] = [
  ['dhclient-solicit', 'dnsmasq-advertise'],
  ['dhcpcd-solicit', 'dnsmasq-advertise-dhcpcd'],
  ['dhclient-request', 'dnsmasq-reply-request'],
  ['dhclient-confirm', 'dnsmasq-reply-confirm'],
  ['dhclient-release', 'dnsmasq-reply-release'],
  ['dhclient-information-request', 'dnsmasq-reply-information-request'],
];

describe('the engine answers like dnsmasq (dhcpv6-stateful subnet, static host)', () => {
  for (const [requestName, dnsmasqName] of PAIRS) {
    it(`${requestName} → ${dnsmasqName}`, () => {
      const request = decodeMessage(loadDhcpv6Fixture(requestName).bytes);
      const decision = handleDhcpv6({ message: request }, CONFIG, tables([subnet('dhcpv6-stateful')]));
      assert.equal(decision.kind, 'reply', show(decision));
      if (decision.kind !== 'reply') return;
      const theirs = decodeMessage(loadDhcpv6Fixture(dnsmasqName).bytes) as ClientServerMessage;
      const ours = decision.answer;
      // Field by field first (a readable failure), then the bytes.
      assert.equal(ours.type, theirs.type);
      assert.equal(ours.transactionId, theirs.transactionId);
      const expected = withoutFqdn(theirs);
      assert.deepEqual(
        ours.options.map((o) => o.type),
        expected.options.map((o) => o.type),
      );
      expected.options.forEach((option, i) => {
        assert.deepEqual(ours.options[i], option, `option ${i} (${option.type})`);
      });
      assert.deepEqual(encodeMessage(ours), encodeMessage(expected));
      assert.equal(decision.destinationPort, 546);
    });
  }

  it('the Relay-forw around the Solicit: the Advertise in a Relay-repl, Interface-Id echoed, sent to port 547', () => {
    const request = decodeMessage(loadDhcpv6Fixture('relay-forw-solicit').bytes);
    const decision = handleDhcpv6({ message: request }, CONFIG, tables([subnet('dhcpv6-stateful')]));
    assert.equal(decision.kind, 'reply');
    if (decision.kind !== 'reply') return;
    assert.equal(decision.macSource, 'relay-option-79');
    assert.equal(decision.destinationPort, 547);
    const reply = decision.reply;
    assert.ok(reply.kind === 'relay' && reply.type === 'RELAY-REPL');
    if (request.kind !== 'relay' || reply.kind !== 'relay') return;
    assert.equal(reply.linkAddress, request.linkAddress);
    assert.equal(reply.peerAddress, request.peerAddress);
    assert.deepEqual(
      reply.options.map((o) => (o.type === 'unknown' ? o.code : o.type)),
      [18, 'relay-message'],
    );
    const inner = reply.options[1];
    assert.ok(inner?.type === 'relay-message');
    assert.deepEqual(inner.message, decision.answer);
    const theirs = decodeMessage(loadDhcpv6Fixture('dnsmasq-advertise').bytes) as ClientServerMessage;
    assert.deepEqual(decision.answer, withoutFqdn(theirs));
  });
});
