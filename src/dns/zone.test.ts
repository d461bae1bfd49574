import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import { Zone } from './zone.js';

function host(id: string, addresses: string[], name?: string): Parameters<Zone['upsertHost']>[0] {
  const hostname = name ?? `host-${addresses[0]?.replace(/[.:]/g, '-')}`;
  return { id, addresses, hostname, fqdn: `${hostname}.openstacklocal` };
}

describe('dns zone', () => {
  it('answers fqdn and short name, case-insensitive and trailing-dot tolerant', () => {
    const zone = new Zone();
    zone.upsertHost(host('p1', ['10.77.0.5']));
    const table: readonly [string, readonly string[] | undefined][] = [
      ['host-10-77-0-5.openstacklocal', ['10.77.0.5']],
      ['HOST-10-77-0-5.OpenStackLocal.', ['10.77.0.5']],
      ['host-10-77-0-5', ['10.77.0.5']],
      ['host-10-77-0-5.', ['10.77.0.5']],
      ['host-10-77-0-6.openstacklocal', undefined],
      ['openstacklocal', undefined],
    ];
    for (const [name, expected] of table) assert.deepEqual(zone.lookupName(name)?.ipv4, expected, name);
    assert.equal(zone.lookupAddress('10.77.0.5'), 'host-10-77-0-5.openstacklocal');
  });

  it('keeps IPv4 and IPv6 apart and reverse-maps both (FQDN first, like addn_hosts)', () => {
    const zone = new Zone();
    zone.upsertHost({
      id: 'p1',
      addresses: ['10.77.0.5', '2001:db8::5'],
      fqdn: 'vm1.example.org.',
      hostname: 'vm1',
    });
    assert.deepEqual(zone.lookupName('vm1'), { ipv4: ['10.77.0.5'], ipv6: ['2001:db8::5'] });
    assert.equal(zone.lookupAddress('2001:DB8:0::5'), 'vm1.example.org');
    assert.equal(zone.lookupAddress('10.77.0.5'), 'vm1.example.org');
  });

  it('sees changes at once: replace, remove, re-add', () => {
    const zone = new Zone();
    zone.upsertHost(host('p1', ['10.77.0.5'], 'vm1'));
    zone.upsertHost(host('p1', ['10.77.0.9'], 'vm2'));
    assert.equal(zone.lookupName('vm1'), undefined);
    assert.equal(zone.lookupAddress('10.77.0.5'), undefined);
    assert.deepEqual(zone.lookupName('vm2.openstacklocal')?.ipv4, ['10.77.0.9']);
    assert.equal(zone.removeHost('p1'), true);
    assert.equal(zone.removeHost('p1'), false);
    assert.equal(zone.lookupName('vm2'), undefined);
    assert.equal(zone.size, 0);
  });

  it('two hosts sharing a name answer with both; removing one leaves the other', () => {
    const zone = new Zone();
    zone.upsertHost(host('p1', ['10.77.0.5'], 'web'));
    zone.upsertHost(host('p2', ['10.77.0.6'], 'web'));
    assert.deepEqual(zone.lookupName('web')?.ipv4, ['10.77.0.5', '10.77.0.6']);
    zone.removeHost('p1');
    assert.deepEqual(zone.lookupName('web')?.ipv4, ['10.77.0.6']);
  });

  it('authority covers the domain and below; an empty domain covers nothing', () => {
    const zone = new Zone({ domain: 'OpenStackLocal.' });
    assert.equal(zone.domain, 'openstacklocal');
    assert.equal(zone.isAuthoritativeFor('x.openstacklocal'), true);
    assert.equal(zone.isApex('openstacklocal.'), true);
    assert.equal(zone.isAuthoritativeFor('x.example.org'), false);
    assert.equal(new Zone({ domain: '' }).isAuthoritativeFor('x.openstacklocal'), false);
  });

  it('bumps the SOA serial on change', () => {
    const zone = new Zone({ ttl: 5 });
    const before = zone.soa().serial;
    zone.upsertHost(host('p1', ['10.77.0.5']));
    assert.ok(zone.soa().serial > before);
    assert.equal(zone.soa().minimum, 5);
  });

  it('replaceHosts applies only the difference and validates first', () => {
    const zone = new Zone();
    zone.upsertHost(host('p1', ['10.77.0.5'], 'vm1'));
    zone.upsertHost(host('p2', ['10.77.0.6'], 'vm2'));
    const serial = zone.soa().serial;
    assert.deepEqual(
      zone.replaceHosts([host('p1', ['10.77.0.5'], 'vm1'), host('p2', ['10.77.0.6'], 'vm2')]),
      {
        upserted: 0,
        removed: 0,
      },
    );
    assert.equal(zone.soa().serial, serial);
    assert.deepEqual(
      zone.replaceHosts([host('p2', ['10.77.0.7'], 'vm2'), host('p3', ['10.77.0.8'], 'vm3')]),
      {
        upserted: 2,
        removed: 1,
      },
    );
    assert.equal(zone.lookupName('vm1'), undefined);
    assert.deepEqual(zone.lookupName('vm2')?.ipv4, ['10.77.0.7']);
    assert.throws(
      () => zone.replaceHosts([host('p9', ['bad'], 'x')]),
      (error: unknown) => isQdhcpError(error, 'DNS_ZONE_INVALID'),
    );
    assert.equal(zone.size, 2);
  });

  it('rejects bad input with DnsZoneError and keeps the old entry', () => {
    const zone = new Zone();
    zone.upsertHost(host('p1', ['10.77.0.5'], 'vm1'));
    for (const bad of [host('p1', ['10.77.0.300'], 'vm1'), host('p1', ['10.77.0.5'], 'bad name\u0001')]) {
      assert.throws(
        () => zone.upsertHost(bad),
        (error: unknown) => isQdhcpError(error, 'DNS_ZONE_INVALID'),
      );
    }
    assert.deepEqual(zone.lookupName('vm1')?.ipv4, ['10.77.0.5']);
    assert.throws(
      () => new Zone({ ttl: -1 }),
      (error: unknown) => isQdhcpError(error, 'DNS_ZONE_INVALID'),
    );
    assert.throws(
      () => new Zone({ domain: 'a..b' }),
      (error: unknown) => isQdhcpError(error, 'DNS_ZONE_INVALID'),
    );
  });

  it('looks up 20,000 hosts in constant time per name', () => {
    const zone = new Zone();
    for (let i = 0; i < 20_000; i++)
      zone.upsertHost(host(`p${i}`, [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++)
      assert.ok(zone.lookupName(`host-10-0-${(i >> 8) & 255}-${i & 255}.openstacklocal`));
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 1000);
  });
});
