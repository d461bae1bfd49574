/**
 * The real `openstack` CLI (python3-openstackclient, `--os-auth-type none`) driven through network,
 * subnet and port create / list with filters / show / set / unset / delete and the error cases,
 * against a `qdhcp server` process on the given backend. Shared by the SQLite and PostgreSQL files so
 * the two run in parallel.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type CliResult, runOpenstack } from '../support/openstack-cli.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

/** Declares the CLI scenario for one backend. */
export function openstackCliScenario(backend: 'sqlite' | 'postgres'): void {
  describe(`openstack CLI against qdhcp server [${backend}]`, () => {
    let database: TestDatabase | undefined;
    let server: ServerProcess | undefined;
    let home = '';

    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'qdhcp-osc-'));
      database = await createTestDatabase(backend);
      server = await startServerProcess([
        '--db',
        database.url,
        '--state-dir',
        database.stateDir,
        '--network-vlan-ranges',
        'physnet1:100:199',
      ]);
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
      rmSync(home, { recursive: true, force: true });
    });

    /** Runs `openstack ARGS` with a clean environment (no inherited OS_* variables). */
    function os(...args: string[]): Promise<CliResult> {
      return runOpenstack(server!.url, home, args, 30_000);
    }
    async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
      const result = await os(...args, '-f', 'json');
      assert.equal(result.code, 0, `openstack ${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    }
    async function fails(pattern: RegExp, ...args: string[]): Promise<void> {
      const result = await os(...args);
      assert.notEqual(result.code, 0, `openstack ${args.join(' ')} should fail`);
      assert.match(result.stderr, pattern);
    }

    test('networks, subnets and ports through their whole life', { timeout: 600_000 }, async () => {
      const net = await json('network', 'create', 'net-a');
      assert.equal(net['name'], 'net-a');
      assert.equal(net['mtu'], 1500);
      const vlan = await json(
        'network',
        'create',
        '--provider-network-type',
        'vlan',
        '--provider-physical-network',
        'physnet1',
        '--provider-segment',
        '150',
        '--mtu',
        '1450',
        '--description',
        'vlan 150 net',
        'net-vlan',
      );
      assert.equal(vlan['provider:segmentation_id'], 150);
      assert.equal(vlan['mtu'], 1450);

      const sub = await json(
        'subnet',
        'create',
        '--network',
        'net-a',
        '--subnet-range',
        '10.20.0.0/24',
        '--dns-nameserver',
        '192.0.2.53',
        '--host-route',
        'destination=172.31.0.0/16,gateway=10.20.0.1',
        'sub-a',
      );
      assert.equal(sub['gateway_ip'], '10.20.0.1');
      assert.deepEqual(sub['allocation_pools'], [{ start: '10.20.0.2', end: '10.20.0.254' }]);
      await fails(
        /overlaps with another subnet/,
        'subnet',
        'create',
        '--network',
        'net-a',
        '--subnet-range',
        '10.20.0.128/25',
        'overlap',
      );
      const v6 = await json(
        'subnet',
        'create',
        '--network',
        'net-a',
        '--ip-version',
        '6',
        '--subnet-range',
        'fd00:20::/64',
        '--ipv6-address-mode',
        'dhcpv6-stateful',
        '--ipv6-ra-mode',
        'dhcpv6-stateful',
        'sub-v6',
      );
      assert.equal(v6['gateway_ip'], 'fd00:20::');

      const portA = await json(
        'port',
        'create',
        '--network',
        'net-a',
        '--fixed-ip',
        'subnet=sub-a,ip-address=10.20.0.50',
        '--mac-address',
        'fa:16:3e:00:00:01',
        '--device-owner',
        'compute:nova',
        '--host',
        'compute-1',
        '--extra-dhcp-option',
        'name=bootfile-name,value=pxelinux.0',
        'port-a',
      );
      assert.deepEqual(portA['fixed_ips'], [{ subnet_id: sub['id'], ip_address: '10.20.0.50' }]);
      assert.deepEqual(portA['extra_dhcp_opts'], [
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      ]);
      const portB = await json('port', 'create', '--network', 'net-a', 'port-b');
      assert.equal((portB['fixed_ips'] as unknown[]).length, 2, 'an IPv4 and a stateful IPv6 address');
      // IPAM gave port-b a random address: the one added to port-a below is chosen after it.
      const portBIps = (portB['fixed_ips'] as { ip_address: string }[]).map((ip) => ip.ip_address);
      const added = portBIps.includes('10.20.0.99') ? '10.20.0.98' : '10.20.0.99';
      await fails(
        /IP address 10\.20\.0\.50 already allocated in subnet/,
        'port',
        'create',
        '--network',
        'net-a',
        '--fixed-ip',
        'subnet=sub-a,ip-address=10.20.0.50',
        'dup-ip',
      );
      await fails(
        /The mac address fa:16:3e:00:00:01 is in use/,
        'port',
        'create',
        '--network',
        'net-a',
        '--mac-address',
        'fa:16:3e:00:00:01',
        'dup-mac',
      );
      await fails(
        /is not a valid IP for the specified subnet/,
        'port',
        'create',
        '--network',
        'net-a',
        '--fixed-ip',
        'subnet=sub-a,ip-address=10.99.0.5',
        'bad-ip',
      );

      type Row = { ID: string; Name: string };
      const names = (rows: Row[]) => rows.map((r) => r.Name).sort();
      assert.deepEqual(names(await json<Row[]>('port', 'list', '--network', 'net-a')), ['port-a', 'port-b']);
      assert.deepEqual(names(await json<Row[]>('port', 'list', '--fixed-ip', 'ip-address=10.20.0.50')), [
        'port-a',
      ]);
      assert.deepEqual(
        names(
          await json<Row[]>(
            'port',
            'list',
            '--long',
            '--device-owner',
            'compute:nova',
            '--host',
            'compute-1',
          ),
        ),
        ['port-a'],
      );

      assert.equal(
        (
          await os(
            'port',
            'set',
            '--name',
            'port-a2',
            '--fixed-ip',
            `subnet=sub-a,ip-address=${added}`,
            'port-a',
          )
        ).code,
        0,
      );
      const shown = await json('port', 'show', 'port-a2');
      assert.deepEqual(
        (shown['fixed_ips'] as { ip_address: string }[]).map((ip) => ip.ip_address),
        ['10.20.0.50', added],
      );
      assert.equal(
        (await os('port', 'unset', '--fixed-ip', `subnet=sub-a,ip-address=${added}`, 'port-a2')).code,
        0,
      );
      const unset = await json('port', 'show', 'port-a2');
      assert.deepEqual(
        (unset['fixed_ips'] as { ip_address: string }[]).map((ip) => ip.ip_address),
        ['10.20.0.50'],
      );

      assert.equal(
        (await os('network', 'set', '--name', 'net-a2', '--mtu', '1400', '--disable', 'net-a')).code,
        0,
      );
      const renamed = await json('network', 'show', 'net-a2');
      assert.equal(renamed['mtu'], 1400);
      assert.equal(renamed['admin_state_up'], false);
      // 1 at create, + 1 per subnet created on it (Neutron's revision plugin: a subnet revises its network), + 1.
      assert.equal(renamed['revision_number'], 4);
      assert.equal((await os('subnet', 'set', '--dns-nameserver', '192.0.2.54', 'sub-a')).code, 0);
      const subShown = await json('subnet', 'show', 'sub-a');
      // The CLI sends the merged list (new first); the server keeps the order it was given.
      assert.deepEqual([...(subShown['dns_nameservers'] as string[])].sort(), ['192.0.2.53', '192.0.2.54']);
      const v4only = await json<Row[]>(
        'subnet',
        'list',
        '--network',
        'net-a2',
        '--ip-version',
        '4',
        '--dhcp',
      );
      assert.deepEqual(names(v4only), ['sub-a']);

      await fails(/One or more ports have an IP allocation from this subnet/, 'subnet', 'delete', 'sub-a');
      await fails(/There are one or more ports still in use on the network/, 'network', 'delete', 'net-a2');
      await fails(
        /No Network found for 00000000-0000-0000-0000-000000000000/,
        'network',
        'show',
        '00000000-0000-0000-0000-000000000000',
      );

      assert.equal((await os('port', 'delete', 'port-a2', 'port-b')).code, 0);
      assert.equal((await os('subnet', 'delete', 'sub-a', 'sub-v6')).code, 0);
      assert.equal((await os('network', 'delete', 'net-a2', 'net-vlan')).code, 0);
      assert.deepEqual(await json('network', 'list'), []);
    });
  });
}
