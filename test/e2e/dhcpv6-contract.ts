import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { runDhclient6, waitForLinkLocal } from '../support/agent/dhclient6.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { Dhcpcd6 } from '../support/agent/dhcpcd6.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';

/** What differs between the drivers: how the server's side of a Release is seen. */
export interface Dhcpv6ContractTarget {
  readonly driver: 'builtin' | 'dnsmasq';
  /** Short testbed tag (namespace prefix). */
  readonly tag: string;
  readonly skip?: string | undefined;
  /** Resolves once the server shows the binding of `address` (a lease file); optional. */
  readonly bindingSeen?: (aio: AllInOne, networkId: string, address: string) => Promise<void>;
  /** Resolves once the server has taken `address`'s Release (a counter, a lease file), else fails. */
  readonly releaseSeen: (aio: AllInOne, networkId: string, address: string) => Promise<void>;
  /** Resolves once the server shows it dropped an unknown client (optional: dnsmasq only logs it). */
  readonly unknownClientSeen?: (aio: AllInOne, networkId: string) => Promise<void>;
}

/**
 * Issue 15, DHCPv6 and router advertisements as real clients see them, the same for both drivers
 * (docs/dhcpv6.md): `qdhcp all-in-one --driver <driver>`, probes in namespaces on the network's bridge,
 * ISC `dhclient -6` (stateful, `-S` stateless, `-r` release), dhcpcd (stateful, renew), the kernel's SLAAC
 * and its view of the router advertisement (tcpdump's dissection, independent of our encoder).
 */
export function runDhcpv6Contract(target: Dhcpv6ContractTarget): void {
  const skip = target.skip ?? (canUseNamespaces() ? undefined : 'needs root for network namespaces');

  describe(`DHCPv6 contract, ${target.driver} driver`, { skip, concurrency: false }, () => {
    let aio: AllInOne;

    before(async () => {
      aio = await AllInOne.start(target.tag, ['--driver', target.driver]);
    });

    after(async () => {
      await aio?.teardown();
    });

    /** A network with one IPv6 subnet in `mode` (and `extra` subnets), waited for until it is served. */
    async function ipv6Network(
      name: string,
      cidr: string,
      mode: string,
      options: { readonly raMode?: string; readonly ipv4Cidr?: string } = {},
    ): Promise<{ id: string; subnet: Json; network: Json }> {
      const network = await aio.create('/v2.0/networks', 'network', { name });
      const id = String(network['id']);
      const subnet = await aio.create('/v2.0/subnets', 'subnet', {
        network_id: id,
        ip_version: 6,
        cidr,
        ipv6_address_mode: mode,
        ...(options.raMode === undefined ? {} : { ipv6_ra_mode: options.raMode }),
      });
      if (options.ipv4Cidr !== undefined)
        await aio.create('/v2.0/subnets', 'subnet', {
          network_id: id,
          ip_version: 4,
          cidr: options.ipv4Cidr,
        });
      await aio.waitFor(`network ${name} served`, async () =>
        (await aio.served()).some((n) => n.networkId === id && n.state === 'serving') ? true : undefined,
      );
      return { id, subnet, network };
    }

    /** A probe namespace with `mac` on the network's bridge, IPv6 on, its link-local usable. */
    async function probe(networkId: string, mac: string): Promise<Namespace> {
      const client = await aio.bed.addClient(mac, { namespace: aio.bed.host, bridge: bridgeName(networkId) });
      await client.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
      await waitForLinkLocal(client, 'eth0');
      return client;
    }

    async function port(networkId: string, mac: string, fields: Json = {}): Promise<Json> {
      return aio.create('/v2.0/ports', 'port', {
        network_id: networkId,
        mac_address: mac,
        name: `p-${mac}`,
        ...fields,
      });
    }

    function addressOf(created: Json, version: 4 | 6): string {
      const fixed = created['fixed_ips'] as Json[];
      const address = fixed.find((f) => String(f['ip_address']).includes(':') === (version === 6))?.[
        'ip_address'
      ];
      assert.ok(typeof address === 'string', JSON.stringify(created));
      return address;
    }

    /** The DHCP port's address on the subnet: what DNS defaults to. */
    async function dhcpPortAddress(networkId: string, subnetId: string): Promise<string> {
      const ports = await aio.api('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`);
      const fixed = (ports.body['ports'] as Json[]).flatMap((p) => p['fixed_ips'] as Json[]);
      const address = fixed.find((f) => f['subnet_id'] === subnetId)?.['ip_address'];
      assert.ok(typeof address === 'string', JSON.stringify(ports.body));
      return address;
    }

    test('stateful, dual stack: dhclient -6 gets exactly the port’s address, DNS and domain, udhcpc its IPv4 lease; release reaches the server', async () => {
      const { id, subnet } = await ipv6Network('v6-stateful', 'fd00:61::/64', 'dhcpv6-stateful', {
        ipv4Cidr: '10.61.0.0/24',
      });
      const mac = 'fa:16:3e:61:00:01';
      const created = await port(id, mac);
      const v6 = addressOf(created, 6);
      assert.ok(v6.startsWith('fd00:61:'), v6);
      const dns = await dhcpPortAddress(id, String(subnet['id']));

      const client = await probe(id, mac);
      const lease = await aio.waitFor(
        'an IPv4 lease',
        async () => (await udhcpcOnce(aio.bed, client))?.['ip'],
      );
      assert.equal(lease, addressOf(created, 4));
      const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', { label: 'stateful' });
      assert.ok(
        got.reasons.includes('BOUND6'),
        `${got.reasons.join(',')}\n${got.result.stderr}\n${aio.output()}`,
      );
      assert.equal(got.vars['new_ip6_address'], v6);
      assert.equal(got.vars['new_ip6_prefixlen'], '128');
      assert.equal(got.vars['new_dhcp6_name_servers'], dns);
      assert.match(got.vars['new_dhcp6_domain_search'] ?? '', /^openstacklocal\.?$/);

      await target.bindingSeen?.(aio, id, v6);
      const released = await runDhclient6(client, aio.bed.sandbox, 'eth0', {
        label: 'stateful',
        release: true,
      });
      assert.equal(released.result.code, 0, released.result.stderr);
      await target.releaseSeen(aio, id, v6);
    });

    test('stateful: dhcpcd gets the port’s address and renews it; an unknown MAC gets nothing', async () => {
      const { id } = await ipv6Network('v6-dhcpcd', 'fd00:65::/64', 'dhcpv6-stateful');
      const mac = 'fa:16:3e:65:00:01';
      const expected = addressOf(await port(id, mac), 6);
      const stranger = await probe(id, 'fa:16:3e:65:00:99');
      // The unknown client runs meanwhile: it must see no answer at all within its 8 s.
      const none = runDhclient6(stranger, aio.bed.sandbox, 'eth0', { label: 'stranger', timeoutSeconds: 8 });

      const client = await probe(id, mac);
      const dhcpcd = Dhcpcd6.start(client, aio.bed.sandbox, 'stateful');
      assert.equal(await dhcpcd.bound(), expected, dhcpcd.output());
      const renewal = await dhcpcd.renew();
      assert.ok(!/NoBinding|lost|expired/i.test(renewal), renewal);

      const unanswered = await none;
      assert.deepEqual(
        unanswered.reasons.filter((r) => r !== 'PREINIT6'),
        [],
        `an unknown client was answered: ${JSON.stringify(unanswered.vars)}`,
      );
      await target.unknownClientSeen?.(aio, id);
    });

    test('extra_dhcp_opts with ip_version 6 (dns-server, domain-search) replace the subnet’s', async () => {
      const { id } = await ipv6Network('v6-extra', 'fd00:66::/64', 'dhcpv6-stateful');
      const mac = 'fa:16:3e:66:00:01';
      const created = await port(id, mac, {
        extra_dhcp_opts: [
          { opt_name: 'dns-server', opt_value: '[fd00:66::53]', ip_version: 6 },
          { opt_name: 'domain-search', opt_value: 'extra.example', ip_version: 6 },
        ],
      });
      const client = await probe(id, mac);
      const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', { label: 'extra' });
      assert.ok(got.reasons.includes('BOUND6'), `${got.reasons.join(',')}\n${got.result.stderr}`);
      assert.equal(got.vars['new_ip6_address'], addressOf(created, 6));
      assert.equal(got.vars['new_dhcp6_name_servers'], 'fd00:66::53');
      assert.match(got.vars['new_dhcp6_domain_search'] ?? '', /^extra\.example\.?$/);
    });

    test('stateless (-S): DNS and domain from an Information-Request, no address', async () => {
      const { id, subnet } = await ipv6Network('v6-stateless', 'fd00:62::/64', 'dhcpv6-stateless');
      const mac = 'fa:16:3e:62:00:01';
      await port(id, mac);
      const dns = await dhcpPortAddress(id, String(subnet['id']));
      const client = await probe(id, mac);
      const got = await runDhclient6(client, aio.bed.sandbox, 'eth0', {
        label: 'stateless',
        stateless: true,
      });
      // dhclient 4.4 runs its script with RENEW6 for the answer to an Information-Request (INFORM6 elsewhere).
      assert.ok(
        got.reasons.some((reason) => reason === 'RENEW6' || reason === 'INFORM6'),
        `${got.reasons.join(',')}\n${got.result.stderr}\n${aio.output()}`,
      );
      assert.equal(got.vars['new_ip6_address'], undefined);
      assert.equal(got.vars['new_dhcp6_name_servers'], dns);
      assert.match(got.vars['new_dhcp6_domain_search'] ?? '', /^openstacklocal\.?$/);
    });

    test('slaac, no router: the kernel forms the port’s address from the RA (MTU, RDNSS), no default route', async () => {
      const { id, subnet, network } = await ipv6Network('v6-slaac', 'fd00:63::/64', 'slaac', {
        raMode: 'slaac',
      });
      const mac = 'fa:16:3e:63:00:01';
      const expected = addressOf(await port(id, mac), 6);
      assert.equal(expected, 'fd00:63::f816:3eff:fe63:1');
      const dns = await dhcpPortAddress(id, String(subnet['id']));
      const client = await aio.bed.addClient(mac, { namespace: aio.bed.host, bridge: bridgeName(id) });
      // tcpdump's own dissection of the first advertisement (the kernel's solicitation is answered at once).
      const capture = client.exec(
        'timeout',
        ['20', 'tcpdump', '-l', '-n', '-vv', '-c', '1', '-i', 'eth0', 'icmp6 and ip6[40] == 134'],
        { allowFailure: true, timeoutMs: 25_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await client.exec('sysctl', [
        '-q',
        '-w',
        'net.ipv6.conf.eth0.accept_ra=2',
        'net.ipv6.conf.eth0.disable_ipv6=0',
      ]);
      const advertisement = (await capture).stdout;
      assert.match(advertisement, new RegExp(`mtu option \\(5\\).*\\s${String(network['mtu'])}\\b`));
      assert.match(advertisement, new RegExp(`rdnss option \\(25\\)[^\\n]*\\n?[^\\n]*${dns}`));
      assert.match(advertisement, /prefix info option \(3\)[^\n]*\n?[^\n]*fd00:63::\/64/);
      // Bounded: the first unsolicited advertisements come every 4 s, solicitations are answered at once.
      const shown = await aio.waitFor('a SLAAC address', async () => {
        const addresses = (await client.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
        return addresses.includes(`inet6 ${expected}/64`) ? addresses : undefined;
      });
      assert.ok(shown.includes(expected));
      const routes = (await client.ip(['-6', 'route', 'show', 'default'])).stdout.trim();
      assert.equal(routes, '', 'router lifetime 0 must not make the DHCP namespace a default router');
      await aio.waitFor('router advertisements counted in the status', async () => {
        const counters = (await aio.served()).find((n) => n.networkId === id)?.counters ?? {};
        return (counters['ra.sent'] ?? 0) >= 1 ? true : undefined;
      });
    });
  });
}
