/**
 * Real captures (test/fixtures/dhcpv6, see its README): ISC dhclient -6, dhcpcd and dnsmasq in DHCPv6 mode.
 * Decode each, check the fields a server cares about, and check that re-encoding gives the captured bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listDhcpv6Fixtures, loadDhcpv6Fixture } from '../../test/support/dhcpv6-fixtures.js';
import { Dhcpv6DecodeError } from './errors.js';
import {
  type ClientServerMessage,
  type Dhcpv6Message,
  decodeMessage,
  encodeMessage,
  findOption,
  macFromDuid,
} from './index.js';
import { hex, v6, v6Text } from './testing/values.js';

function decodeFixture(name: string): Dhcpv6Message {
  return decodeMessage(loadDhcpv6Fixture(name).bytes);
}
function clientServer(name: string): ClientServerMessage {
  const message = decodeFixture(name);
  assert.equal(message.kind, 'client-server');
  return message as ClientServerMessage;
}
function need<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `${what} present`);
  return value;
}

describe('DHCPv6 captures decode to the expected fields', () => {
  it('dhclient -6 Solicit: DUID-LLT with the MAC, ORO 23+24, elapsed time, an empty IA_NA', () => {
    const m = clientServer('dhclient-solicit');
    assert.equal(m.type, 'SOLICIT');
    assert.equal(m.transactionId, 0x7c11b9);
    assert.deepEqual(
      m.options.map((o) => o.type),
      ['client-id', 'oro', 'elapsed-time', 'ia-na'],
    );
    const clientId = need(findOption(m.options, 'client-id'), 'client id');
    assert.equal(clientId.duid.kind, 'llt');
    assert.equal(macFromDuid(clientId.duid), 'fa:16:3e:00:00:06');
    assert.deepEqual(need(findOption(m.options, 'oro'), 'ORO').requested, [23, 24]);
    assert.equal(need(findOption(m.options, 'elapsed-time'), 'elapsed').centiseconds, 0);
    const ia = need(findOption(m.options, 'ia-na'), 'IA_NA');
    assert.deepEqual([ia.iaid, ia.t1, ia.t2, ia.options.length], [0x3e000006, 3600, 5400, 0]);
  });

  it('dnsmasq Advertise: server DUID-LL of its MAC, the static address, status, preference, DNS, domain', () => {
    const m = clientServer('dnsmasq-advertise');
    assert.equal(m.type, 'ADVERTISE');
    assert.equal(m.transactionId, 0x7c11b9);
    const serverId = need(findOption(m.options, 'server-id'), 'server id');
    assert.deepEqual(serverId.duid.kind, 'll');
    assert.equal(macFromDuid(serverId.duid), 'fa:16:3e:00:00:01');
    const ia = need(findOption(m.options, 'ia-na'), 'IA_NA');
    assert.deepEqual([ia.t1, ia.t2], [43200, 75600]);
    const address = need(findOption(ia.options, 'ia-addr'), 'IA address');
    assert.equal(v6Text(address.address), '2001:db8:77::6');
    assert.deepEqual([address.preferredLifetime, address.validLifetime], [86400, 86400]);
    assert.deepEqual(need(findOption(m.options, 'status-code'), 'status'), {
      type: 'status-code',
      status: 0,
      message: 'success',
    });
    assert.equal(need(findOption(m.options, 'preference'), 'preference').preference, 0);
    assert.deepEqual(need(findOption(m.options, 'domain-search'), 'domains').domains, ['openstacklocal']);
    assert.deepEqual(need(findOption(m.options, 'dns-server'), 'dns').servers, [v6('2001:db8:77::1')]);
    const fqdn = m.options.find((o) => o.type === 'unknown');
    assert.equal(
      fqdn?.type === 'unknown' ? fqdn.code : undefined,
      39,
      'client FQDN kept as an unknown option',
    );
  });

  it('dhclient Request carries the server id and lifetime hints; dnsmasq honours them in its Reply', () => {
    const request = clientServer('dhclient-request');
    assert.equal(request.type, 'REQUEST');
    assert.equal(
      macFromDuid(need(findOption(request.options, 'server-id'), 'server id').duid),
      'fa:16:3e:00:00:01',
    );
    const hint = need(
      findOption(need(findOption(request.options, 'ia-na'), 'IA').options, 'ia-addr'),
      'addr',
    );
    assert.deepEqual([hint.preferredLifetime, hint.validLifetime], [7200, 7500]);
    const reply = clientServer('dnsmasq-reply-request');
    assert.equal(reply.type, 'REPLY');
    assert.equal(reply.transactionId, request.transactionId);
    const ia = need(findOption(reply.options, 'ia-na'), 'IA_NA');
    const address = need(findOption(ia.options, 'ia-addr'), 'IA address');
    assert.deepEqual(
      [ia.t1, ia.t2, address.preferredLifetime, address.validLifetime],
      [3600, 6300, 7200, 7500],
    );
  });

  it('Confirm and Release, and dnsmasq Replies with status Success and its text', () => {
    const confirm = clientServer('dhclient-confirm');
    assert.equal(confirm.type, 'CONFIRM');
    assert.equal(findOption(confirm.options, 'server-id'), undefined, 'Confirm has no server id (§18.2.3)');
    const confirmReply = clientServer('dnsmasq-reply-confirm');
    assert.equal(
      need(findOption(confirmReply.options, 'status-code'), 's').message,
      'all addresses still on link',
    );
    const release = clientServer('dhclient-release');
    assert.equal(release.type, 'RELEASE');
    const releaseReply = clientServer('dnsmasq-reply-release');
    assert.equal(need(findOption(releaseReply.options, 'status-code'), 's').message, 'release received');
  });

  it('Renew (dhclient past T1 of a 120 s lease) and its Reply: lifetimes 120, no top-level status', () => {
    const renew = clientServer('dhclient-renew');
    assert.equal(renew.type, 'RENEW');
    assert.ok(findOption(renew.options, 'server-id'), 'Renew names the server (§18.2.4)');
    const reply = clientServer('dnsmasq-reply-renew');
    assert.equal(reply.transactionId, renew.transactionId);
    const address = need(
      findOption(need(findOption(reply.options, 'ia-na'), 'IA').options, 'ia-addr'),
      'addr',
    );
    assert.deepEqual(
      [v6Text(address.address), address.preferredLifetime, address.validLifetime],
      ['2001:db8:77::6', 120, 120],
    );
    assert.equal(findOption(reply.options, 'status-code'), undefined);
  });

  it('Information-Request (dhclient -S) and its Reply: DNS, domain, information refresh time', () => {
    const request = clientServer('dhclient-information-request');
    assert.equal(request.type, 'INFORMATION-REQUEST');
    assert.equal(findOption(request.options, 'ia-na'), undefined);
    const reply = clientServer('dnsmasq-reply-information-request');
    assert.equal(need(findOption(reply.options, 'information-refresh-time'), 'irt').seconds, 86400);
    assert.deepEqual(need(findOption(reply.options, 'dns-server'), 'dns').servers, [v6('2001:db8:77::1')]);
  });

  it('dhcpcd Solicit: IAID 1, ORO with 23, 24, 82, 83, vendor class kept as unknown 16', () => {
    const m = clientServer('dhcpcd-solicit');
    assert.equal(macFromDuid(need(findOption(m.options, 'client-id'), 'id').duid), 'fa:16:3e:00:00:06');
    assert.equal(need(findOption(m.options, 'ia-na'), 'IA').iaid, 1);
    assert.deepEqual(need(findOption(m.options, 'oro'), 'ORO').requested, [23, 24, 82, 83]);
    const vendor = m.options.find((o) => o.type === 'unknown');
    assert.ok(vendor?.type === 'unknown' && vendor.code === 16);
    assert.equal(hex(vendor.data.subarray(0, 4)), '00009f08', 'enterprise 40712');
  });

  it('hand-made Relay-forw: addresses, option 79 and the nested Solicit', () => {
    const m = decodeFixture('relay-forw-solicit');
    assert.equal(m.kind, 'relay');
    if (m.kind !== 'relay') return;
    assert.equal(m.type, 'RELAY-FORW');
    assert.equal(v6Text(m.linkAddress), '2001:db8:77::1');
    assert.equal(v6Text(m.peerAddress), 'fe80::f816:3eff:fe00:6');
    const linkLayer = need(findOption(m.options, 'client-linklayer-addr'), '79');
    assert.deepEqual([linkLayer.hardwareType, hex(linkLayer.address)], [1, 'fa163e000006']);
    const inner = need(findOption(m.options, 'relay-message'), 'relay message').message;
    assert.deepEqual(inner, decodeFixture('dhclient-solicit'));
  });

  it('the hand-made truncated Request fails at the IA_NA option, byte 50', () => {
    assert.throws(
      () => decodeFixture('malformed-ia-na-overrun'),
      (error: unknown) =>
        error instanceof Dhcpv6DecodeError && error.offset === 50 && /option 3 /.test(error.reason),
    );
  });
});

describe('DHCPv6 captures re-encode to the same bytes', () => {
  for (const name of listDhcpv6Fixtures().filter((n) => !n.startsWith('malformed-'))) {
    it(name, () => {
      const fixture = loadDhcpv6Fixture(name);
      assert.ok(fixture.provenance.length > 40, 'fixture has provenance');
      assert.equal(hex(encodeMessage(decodeMessage(fixture.bytes))), hex(fixture.bytes));
    });
  }
});
