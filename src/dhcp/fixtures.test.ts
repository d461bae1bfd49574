/**
 * Real captures (test/fixtures/dhcp, see its README): decode each and check the fields a DHCP server cares
 * about, and check that re-encoding reproduces the captured bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listDhcpFixtures, loadDhcpFixture } from '../../test/support/fixtures.js';
import { DhcpDecodeError, decodeMessage, encodeMessage, parseOptionText } from './index.js';
import { hardwareAddressText, isBroadcastFlagSet } from './message.js';
import { readOption } from './option-values.js';
import { ip, route } from './testing/values.js';
import type { DhcpMessage } from './types.js';

function decodeFixture(name: string): DhcpMessage {
  return decodeMessage(loadDhcpFixture(name).bytes);
}
function ok<T>(read: { status: string; value?: T }): T {
  assert.equal(read.status, 'ok', JSON.stringify(read));
  return read.value as T;
}
const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

describe('real captures decode to the expected fields', () => {
  it('udhcpc DISCOVER', () => {
    const m = decodeFixture('udhcpc-discover');
    assert.equal(m.op, 'BOOTREQUEST');
    assert.equal(m.transactionId, 0x5dcac777);
    assert.equal(hardwareAddressText(m), 'fa:16:3e:00:00:05');
    assert.equal(ok(readOption(m, 53)), 'DISCOVER');
    assert.equal(ok(readOption(m, 57)), 576);
    assert.deepEqual(ok(readOption(m, 55)), [1, 3, 6, 12, 15, 26, 28, 42, 121]);
    assert.equal(hex(ok(readOption(m, 60))), Buffer.from('udhcp 1.35.0').toString('hex'));
    assert.equal(hex(ok(readOption(m, 61))), '01fa163e000005');
    assert.equal(isBroadcastFlagSet(m), false);
    assert.equal(m.gatewayIp, ip('0.0.0.0'));
    assert.equal(m.hops, 0);
  });

  it('udhcpc REQUEST (SELECTING) carries requested address and server id', () => {
    const m = decodeFixture('udhcpc-request');
    assert.equal(ok(readOption(m, 53)), 'REQUEST');
    assert.equal(ok(readOption(m, 50)), ip('10.77.1.5'));
    assert.equal(ok(readOption(m, 54)), ip('10.77.0.1'));
    assert.equal(m.clientIp, ip('0.0.0.0'));
    assert.equal(m.secondsElapsed, 1);
  });

  it('udhcpc -B sets the broadcast flag, and dnsmasq answers with it set', () => {
    assert.equal(isBroadcastFlagSet(decodeFixture('udhcpc-broadcast-discover')), true);
    const offer = decodeFixture('dnsmasq-offer-broadcast');
    assert.equal(offer.flags, 0x8000);
    assert.equal(offer.yourIp, ip('10.77.1.7'));
  });

  it('dhclient DISCOVER and REQUEST', () => {
    const discover = decodeFixture('dhclient-discover');
    assert.equal(discover.transactionId, 0x9ea98715);
    assert.equal(hardwareAddressText(discover), 'fa:16:3e:00:00:06');
    assert.deepEqual(ok(readOption(discover, 55)), [1, 28, 3, 15, 6, 12, 26, 121]);
    assert.equal(readOption(discover, 61).status, 'absent');
    const request = decodeFixture('dhclient-request');
    assert.equal(request.transactionId, discover.transactionId);
    assert.equal(ok(readOption(request, 50)), ip('10.77.1.6'));
    assert.equal(ok(readOption(request, 54)), ip('10.77.0.1'));
  });

  it('dnsmasq ACK: the options Neutron configures', () => {
    const m = decodeFixture('dnsmasq-ack-udhcpc');
    assert.equal(m.op, 'BOOTREPLY');
    assert.equal(m.transactionId, 0x5dcac777);
    assert.equal(m.yourIp, ip('10.77.1.5'));
    assert.equal(m.serverIp, ip('10.77.0.1'));
    assert.equal(ok(readOption(m, 53)), 'ACK');
    assert.equal(ok(readOption(m, 54)), ip('10.77.0.1'));
    assert.equal(ok(readOption(m, 51)), 86400);
    assert.equal(ok(readOption(m, 58)), 43200);
    assert.equal(ok(readOption(m, 59)), 75600);
    assert.equal(ok(readOption(m, 1)), ip('255.255.0.0'));
    assert.equal(ok(readOption(m, 28)), ip('10.77.255.255'));
    assert.equal(ok(readOption(m, 15)), 'openstacklocal');
    assert.equal(ok(readOption(m, 12)), 'host-10-77-1-5');
    assert.deepEqual(ok(readOption(m, 3)), [ip('10.77.0.1')]);
    assert.deepEqual(ok(readOption(m, 6)), [ip('10.77.0.1')]);
    assert.equal(ok(readOption(m, 26)), 1450);
    assert.deepEqual(ok(readOption(m, 121)), [
      route('169.254.169.254/32', '10.77.0.1'),
      route('0.0.0.0/0', '10.77.0.1'),
    ]);
    assert.equal(readOption(m, 249).status, 'absent'); // the client did not ask for 249
    assert.deepEqual([...m.options.keys()], [53, 54, 51, 58, 59, 1, 28, 15, 12, 121, 6, 3, 26]);
  });

  it("our option text parser produces dnsmasq's own bytes for the opts file lines", () => {
    const ack = decodeFixture('dnsmasq-ack-dhclient');
    const routes = ['169.254.169.254/32', '10.77.0.1', '0.0.0.0/0', '10.77.0.1'];
    assert.equal(hex(ok(parseOptionText('classless-static-route', routes))), hex(ack.options.get(121)));
    assert.equal(hex(ok(parseOptionText('mtu', ['1450']))), hex(ack.options.get(26)));
    assert.equal(hex(ok(parseOptionText('router', ['10.77.0.1']))), hex(ack.options.get(3)));
    assert.equal(hex(ok(parseOptionText('dns-server', ['10.77.0.1']))), hex(ack.options.get(6)));
  });

  it('dnsmasq NAK to an INIT-REBOOT REQUEST for a wrong address', () => {
    const request = decodeFixture('dhclient-init-reboot-request');
    assert.equal(ok(readOption(request, 50)), ip('10.77.9.9'));
    assert.equal(readOption(request, 54).status, 'absent');
    const nak = decodeFixture('dnsmasq-nak');
    assert.equal(nak.transactionId, request.transactionId);
    assert.equal(ok(readOption(nak, 53)), 'NAK');
    assert.equal(ok(readOption(nak, 56)), 'wrong address');
    assert.equal(nak.yourIp, ip('0.0.0.0'));
    assert.equal(isBroadcastFlagSet(nak), true);
  });

  it('perfdhcp relayed DISCOVER: giaddr, hops 1, option 82 sub-options', () => {
    const m = decodeFixture('perfdhcp-relayed-discover');
    assert.equal(m.gatewayIp, ip('10.77.0.2'));
    assert.equal(m.hops, 1);
    assert.equal(m.transactionId, 0);
    assert.equal(hardwareAddressText(m), 'fa:16:3e:00:00:08');
    const relay = ok(readOption(m, 82));
    assert.deepEqual(
      relay.map((s) => [s.code, hex(s.value)]),
      [
        [1, Buffer.from('br005').toString('hex')],
        [2, '001122334455'],
      ],
    );
  });

  it('dnsmasq OFFER to a relay echoes option 82 as the last option', () => {
    const m = decodeFixture('dnsmasq-offer-relayed');
    assert.equal(m.gatewayIp, ip('10.77.0.2'));
    assert.equal(m.yourIp, ip('10.77.1.8'));
    assert.deepEqual([...m.options.keys()].at(-1), 82);
  });

  it('udhcpc RELEASE', () => {
    const m = decodeFixture('udhcpc-release');
    assert.equal(ok(readOption(m, 53)), 'RELEASE');
    assert.equal(m.clientIp, ip('10.77.1.9'));
    assert.equal(ok(readOption(m, 54)), ip('10.77.0.1'));
  });

  it('the hand-made malformed packet fails with the offset of the overrunning option', () => {
    assert.throws(
      () => decodeFixture('malformed-option-overrun'),
      (error: unknown) =>
        error instanceof DhcpDecodeError && error.offset === 247 && /option 55/.test(error.reason),
    );
  });
});

describe('real captures re-encode to the same bytes', () => {
  /** perfdhcp sends 279 bytes; we always pad to the BOOTP minimum of 300 (RFC 1542 §3.1). */
  const paddedDifferently = new Set(['perfdhcp-relayed-discover']);
  for (const name of listDhcpFixtures().filter((n) => !n.startsWith('malformed-'))) {
    it(name, () => {
      const fixture = loadDhcpFixture(name);
      assert.ok(fixture.provenance.length > 40, 'fixture has provenance');
      const message = decodeMessage(fixture.bytes);
      const encoded = encodeMessage(message, { maxMessageSize: 1500 });
      if (paddedDifferently.has(name)) {
        assert.equal(encoded.length, 300);
        assert.equal(hex(encoded.subarray(0, fixture.bytes.length)), hex(fixture.bytes));
        assert.ok(encoded.subarray(fixture.bytes.length).every((b) => b === 0));
      } else {
        assert.equal(encoded.toString('hex'), hex(fixture.bytes));
      }
      assert.deepEqual(decodeMessage(encoded), message);
    });
  }
});
