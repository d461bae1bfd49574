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

  it('dhclient-renew → dnsmasq-reply-renew (120 s lease): the same but T1/T2, which dnsmasq fuzzes on Renew', () => {
    const request = decodeMessage(loadDhcpv6Fixture('dhclient-renew').bytes);
    const decision = handleDhcpv6(
      { message: request },
      { ...CONFIG, leaseSeconds: 120 },
      tables([subnet('dhcpv6-stateful')]),
    );
    assert.equal(decision.kind, 'reply', show(decision));
    if (decision.kind !== 'reply') return;
    const theirs = withoutFqdn(
      decodeMessage(loadDhcpv6Fixture('dnsmasq-reply-renew').bytes) as ClientServerMessage,
    );
    const ia = (m: ClientServerMessage) => m.options.find((o) => o.type === 'ia-na');
    const [ourIa, theirIa] = [ia(decision.answer), ia(theirs)];
    assert.ok(ourIa?.type === 'ia-na' && theirIa?.type === 'ia-na');
    // Ours: ½ and ⅞ of 120 s. dnsmasq's: a few seconds less (its end_ia(…, do_fuzz) on Renew/Rebind).
    assert.deepEqual([ourIa.t1, ourIa.t2], [60, 105]);
    assert.ok(theirIa.t1 <= 60 && theirIa.t1 >= 48 && theirIa.t2 <= 105 && theirIa.t2 >= 84, show(theirIa));
    const sameTimers = {
      ...decision.answer,
      options: decision.answer.options.map((o) =>
        o.type === 'ia-na' ? { ...o, t1: theirIa.t1, t2: theirIa.t2 } : o,
      ),
    };
    assert.deepEqual(sameTimers, theirs);
  });

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
