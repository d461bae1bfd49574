import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { runDhclient6, waitForLinkLocal } from '../support/agent/dhclient6.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';

/**
 * Issue 15, DHCPv6 from the builtin driver (docs/dhcpv6.md): `qdhcp all-in-one`, an IPv6 subnet per
 * address mode, ISC `dhclient -6` in probe namespaces on the network's bridge (inside the testbed's host
 * namespace). Stateful: exactly the port's address and the DHCP port's address as DNS; stateless (`-S`):
 * DNS and domain; a MAC without a port: nothing.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('DHCPv6 from the builtin driver, real dhclient -6', { skip, concurrency: false }, () => {
  let aio: AllInOne;

  before(async () => {
    aio = await AllInOne.start('d6b', ['--driver', 'builtin']);
  });

  after(async () => {
    await aio?.teardown();
  });

  /** A network with one IPv6 subnet in `mode`, waited for until the agent serves it. */
  async function ipv6Network(
    name: string,
    cidr: string,
    mode: string,
    raMode?: string,
  ): Promise<{ id: string; subnet: Json }> {
    const network = await aio.create('/v2.0/networks', 'network', { name });
    const id = String(network['id']);
    const subnet = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: id,
      ip_version: 6,
      cidr,
      ipv6_address_mode: mode,
      ...(raMode === undefined ? {} : { ipv6_ra_mode: raMode }),
    });
    await aio.waitFor(`network ${name} served`, async () =>
      (await aio.served()).some((n) => n.networkId === id && n.state === 'serving') ? true : undefined,
    );
    return { id, subnet };
  }

  /** A probe namespace with `mac` on the network's bridge, IPv6 on, its link-local usable. */
  async function probe(networkId: string, mac: string): Promise<Namespace> {
    const client = await aio.bed.addClient(mac, { namespace: aio.bed.host, bridge: bridgeName(networkId) });
    await client.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
    await waitForLinkLocal(client, 'eth0');
    return client;
  }

  async function port(networkId: string, mac: string): Promise<Json> {
    return aio.create('/v2.0/ports', 'port', { network_id: networkId, mac_address: mac, name: `p-${mac}` });
  }

  /** The DHCP port's address on the subnet: what DNS defaults to. */
  async function dhcpPortAddress(networkId: string, subnetId: string): Promise<string> {
    const ports = await aio.api('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`);
    const fixed = (ports.body['ports'] as Json[]).flatMap((p) => p['fixed_ips'] as Json[]);
    const address = fixed.find((f) => f['subnet_id'] === subnetId)?.['ip_address'];
    assert.ok(typeof address === 'string', JSON.stringify(ports.body));
    return address;
  }

  test('stateful: the port’s address and DNS; an unknown MAC gets nothing', async () => {
    const { id, subnet } = await ipv6Network('v6-stateful', 'fd00:61::/64', 'dhcpv6-stateful');
    const mac = 'fa:16:3e:61:00:01';
    const created = await port(id, mac);
    const expected = (created['fixed_ips'] as Json[])[0]?.['ip_address'];
    assert.ok(typeof expected === 'string' && expected.startsWith('fd00:61:'), JSON.stringify(created));
    const dns = await dhcpPortAddress(id, String(subnet['id']));

    const client = await probe(id, mac);
    const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', { label: 'stateful' });
    assert.ok(
      got.reasons.includes('BOUND6'),
      `${got.reasons.join(',')}\n${got.result.stderr}\n${aio.output()}`,
    );
    assert.equal(got.vars['new_ip6_address'], expected);
    assert.equal(got.vars['new_ip6_prefixlen'], '128');
    assert.equal(got.vars['new_dhcp6_name_servers'], dns);
    assert.match(got.vars['new_dhcp6_domain_search'] ?? '', /^openstacklocal\.?$/);

    const stranger = await probe(id, 'fa:16:3e:61:00:99');
    const none = await runDhclient6(stranger, aio.bed.sandbox, 'eth0', {
      label: 'stranger',
      timeoutSeconds: 8,
    });
    assert.deepEqual(
      none.reasons.filter((r) => r !== 'PREINIT6'),
      [],
      `an unknown client was answered: ${JSON.stringify(none.vars)}`,
    );
    // Counted where the operator sees it (`qdhcp agent status`), not only logged.
    await aio.waitFor('the drop counted in the status', async () => {
      const counters = (await aio.served()).find((n) => n.networkId === id)?.counters ?? {};
      return (counters['dhcpv6.dropped.unknown-client'] ?? 0) >= 1 &&
        (counters['dhcpv6.sent.REPLY'] ?? 0) >= 1
        ? true
        : undefined;
    });
  });

  test('stateless (-S): DNS and domain from an Information-Request', async () => {
    const { id, subnet } = await ipv6Network('v6-stateless', 'fd00:62::/64', 'dhcpv6-stateless');
    const mac = 'fa:16:3e:62:00:01';
    await port(id, mac);
    const dns = await dhcpPortAddress(id, String(subnet['id']));
    const client = await probe(id, mac);
    const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', { label: 'stateless', stateless: true });
    // dhclient 4.4 runs its script with RENEW6 for the answer to an Information-Request (INFORM6 elsewhere).
    assert.ok(
      got.reasons.some((reason) => reason === 'RENEW6' || reason === 'INFORM6'),
      `${got.reasons.join(',')}\n${got.result.stderr}\n${aio.output()}`,
    );
    assert.equal(got.vars['new_ip6_address'], undefined);
    assert.equal(got.vars['new_dhcp6_name_servers'], dns);
    assert.match(got.vars['new_dhcp6_domain_search'] ?? '', /^openstacklocal\.?$/);
  });

  test('slaac with ipv6_ra_mode and no router: the kernel forms an address from the RA, no default route', async () => {
    const { id } = await ipv6Network('v6-slaac', 'fd00:63::/64', 'slaac', 'slaac');
    const mac = 'fa:16:3e:63:00:01';
    const created = await port(id, mac);
    const expected = (created['fixed_ips'] as Json[])[0]?.['ip_address'];
    assert.equal(expected, 'fd00:63::f816:3eff:fe63:1', JSON.stringify(created));
    const client = await aio.bed.addClient(mac, { namespace: aio.bed.host, bridge: bridgeName(id) });
    await client.exec('sysctl', [
      '-q',
      '-w',
      'net.ipv6.conf.eth0.disable_ipv6=0',
      'net.ipv6.conf.eth0.accept_ra=2',
    ]);
    // Bounded: the first unsolicited advertisements come every 4 s, solicitations are answered at once.
    const deadline = Date.now() + 20_000;
    let shown = '';
    while (Date.now() < deadline) {
      shown = (await client.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
      if (shown.includes(`${expected}/64`)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(shown.includes(`inet6 ${expected}/64`), `no SLAAC address: ${shown}\n${aio.output()}`);
    const routes = (await client.ip(['-6', 'route', 'show', 'default'])).stdout.trim();
    assert.equal(routes, '', 'router lifetime 0 must not make the DHCP namespace a default router');
    await aio.waitFor('router advertisements counted in the status', async () => {
      const counters = (await aio.served()).find((n) => n.networkId === id)?.counters ?? {};
      return (counters['ra.sent'] ?? 0) >= 1 ? true : undefined;
    });
  });

  test('dual stack: one port gets its IPv4 lease (udhcpc) and its IPv6 address (dhclient -6)', async () => {
    const { id } = await ipv6Network('v6-dual', 'fd00:64::/64', 'dhcpv6-stateful');
    await aio.create('/v2.0/subnets', 'subnet', { network_id: id, ip_version: 4, cidr: '10.64.0.0/24' });
    const mac = 'fa:16:3e:64:00:01';
    const created = await port(id, mac);
    const fixed = created['fixed_ips'] as Json[];
    const v4 = fixed.find((f) => !String(f['ip_address']).includes(':'))?.['ip_address'];
    const v6 = fixed.find((f) => String(f['ip_address']).includes(':'))?.['ip_address'];
    assert.ok(typeof v4 === 'string' && typeof v6 === 'string', JSON.stringify(created));
    const client = await probe(id, mac);
    // The IPv4 subnet came after the network was served: wait until the agent answers DHCPv4 for it.
    const lease = await aio.waitFor(
      'an IPv4 lease',
      async () => (await udhcpcOnce(aio.bed, client))?.['ip'],
      40_000,
    );
    assert.equal(lease, v4);
    const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', { label: 'dual' });
    assert.ok(got.reasons.includes('BOUND6'), `${got.reasons.join(',')}\n${got.result.stderr}`);
    assert.equal(got.vars['new_ip6_address'], v6);
  });
});
