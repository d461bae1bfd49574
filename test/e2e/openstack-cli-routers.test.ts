/**
 * The real `openstack` CLI (python3-openstackclient, `--os-auth-type none`) driving `router …` and
 * `floating ip …` against a `qdhcp server` process on SQLite (issue 13, API only): create, add subnet,
 * set/unset the external gateway, extra routes, show, floating IP create / set --port / unset / delete,
 * and Neutron's errors as the CLI prints them.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openstackAgainstServer } from '../support/openstack-server.js';

describe('openstack router / floating ip CLI against qdhcp server', () => {
  const { json, ok, fails } = openstackAgainstServer('routers');

  test('router with a gateway and an interface, extra routes, a floating IP on a port', {
    timeout: 600_000,
  }, async () => {
    await ok('network create', '--external', 'public');
    await ok('subnet create', '--network', 'public', '--subnet-range', '172.26.0.0/24', 'public-subnet');
    await ok('network create', 'private');
    const subnet = await json(
      'subnet create',
      '--network',
      'private',
      '--subnet-range',
      '10.97.0.0/24',
      'private-subnet',
    );

    const router = await json('router create', 'r1');
    assert.equal(router['status'], 'ACTIVE');
    await ok('router add subnet', 'r1', 'private-subnet');
    await ok('router set', '--external-gateway', 'public', 'r1');
    const shown = await json('router show', 'r1');
    const gateway = shown['external_gateway_info'] as {
      network_id: string;
      enable_snat: boolean;
      external_fixed_ips: { ip_address: string }[];
    };
    assert.equal(gateway.enable_snat, true);
    assert.match(gateway.external_fixed_ips[0]?.ip_address ?? '', /^172\.26\.0\./);
    const interfaces = await json<{ 'Fixed IP Addresses': unknown; 'Device Owner'?: string }[]>(
      'port list',
      '--router',
      'r1',
      '--long',
    );
    assert.equal(interfaces.length, 2, JSON.stringify(interfaces));

    await ok('router set', '--route', 'destination=192.168.60.0/24,gateway=10.97.0.20', 'r1');
    assert.deepEqual((await json('router show', 'r1'))['routes'], [
      { destination: '192.168.60.0/24', nexthop: '10.97.0.20' },
    ]);
    await fails(
      /nexthop is not connected with router/,
      'router set',
      '--route',
      'destination=192.168.61.0/24,gateway=10.1.1.1',
      'r1',
    );
    await fails(/still has ports/, 'router delete', 'r1');

    await ok(
      'port create',
      '--network',
      'private',
      '--fixed-ip',
      `subnet=${subnet['id']},ip-address=10.97.0.30`,
      'vm-port',
    );
    const fip = await json('floating ip create', 'public');
    assert.equal(fip['status'], 'DOWN');
    const address = String(fip['floating_ip_address']);
    await ok('floating ip set', '--port', 'vm-port', address);
    const associated = await json('floating ip show', address);
    assert.equal(associated['fixed_ip_address'], '10.97.0.30');
    assert.equal(associated['router_id'], router['id']);
    assert.equal(associated['status'], 'ACTIVE');
    await fails(/required by one or more floating IPs/, 'router remove subnet', 'r1', 'private-subnet');
    await ok('floating ip unset', '--port', address);
    assert.equal((await json('floating ip show', address))['port_id'], null);
    await ok('floating ip delete', address);

    await ok('router unset', '--route', 'destination=192.168.60.0/24,gateway=10.97.0.20', 'r1');
    await ok('router remove subnet', 'r1', 'private-subnet');
    await ok('router unset', '--external-gateway', 'r1');
    assert.equal((await json('router show', 'r1'))['external_gateway_info'], null);
    await ok('router delete', 'r1');
    await fails(/No Router found for r1/, 'router show', 'r1');
  });
});
