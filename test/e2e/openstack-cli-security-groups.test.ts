/**
 * The real `openstack` CLI (python3-openstackclient, `--os-auth-type none`) driving `security group …`,
 * `security group rule …` and ports' groups against a `qdhcp server` process on SQLite (issue 14, API
 * only): the default group listed, create/show/set/delete, rules created and deleted (with Neutron's
 * normal forms and errors as the CLI prints them), `port create --security-group`, `--no-security-group`,
 * `--disable-port-security`, and the 409 of a group in use.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openstackAgainstServer } from '../support/openstack-server.js';

describe('openstack security group CLI against qdhcp server', () => {
  const { json, ok, fails } = openstackAgainstServer('sg');

  test('groups, rules and ports with and without groups', { timeout: 600_000 }, async () => {
    const listed = await json<{ Name: string; ID: string }[]>('security group list');
    const defaults = listed.filter((g) => g.Name === 'default');
    assert.equal(defaults.length, 1, JSON.stringify(listed));
    const defaultId = defaults[0]!.ID;

    const web = await json('security group create', '--description', 'web servers', 'web');
    assert.equal(web['name'], 'web');
    assert.equal(web['stateful'], true);
    const webId = String(web['id']);
    await fails(/SecurityGroupDefaultAlreadyExists|already exists/, 'security group create', 'default');

    const ssh = await json(
      'security group rule create',
      '--protocol',
      'tcp',
      '--dst-port',
      '22',
      '--remote-ip',
      '10.0.0.5/24',
      'web',
    );
    assert.equal(ssh['protocol'], 'tcp');
    assert.equal(ssh['port_range_min'], 22);
    assert.equal(ssh['port_range_max'], 22);
    assert.equal(ssh['remote_ip_prefix'], '10.0.0.5/24');
    assert.equal(ssh['direction'], 'ingress');
    await fails(
      /already exists/,
      'security group rule create',
      '--protocol',
      '6',
      '--dst-port',
      '22',
      '--remote-ip',
      '10.0.0.5/24',
      'web',
    );
    await fails(
      /Conflicting value ethertype IPv6/,
      'security group rule create',
      '--ethertype',
      'IPv6',
      '--remote-ip',
      '10.0.0.0/8',
      'web',
    );
    const icmp = await json(
      'security group rule create',
      '--protocol',
      'icmp',
      '--icmp-type',
      '8',
      '--icmp-code',
      '0',
      'web',
    );
    assert.equal(icmp['port_range_min'], 8);
    const fromGroup = await json(
      'security group rule create',
      '--remote-group',
      'web',
      '--protocol',
      'udp',
      'web',
    );
    assert.equal(fromGroup['remote_group_id'], webId);

    const rules = await json<{ ID: string }[]>('security group rule list', 'web');
    assert.equal(rules.length, 5, 'two egress rules of a new group + three');
    await ok('security group rule delete', String(icmp['id']));
    assert.equal((await json<unknown[]>('security group rule list', 'web')).length, 4);

    await ok('security group set', '--name', 'web2', '--stateless', 'web');
    const shown = await json('security group show', 'web2');
    assert.equal(shown['stateful'], false);
    await ok('security group set', '--stateful', 'web2');

    await ok('network create', 'sgnet');
    await ok('subnet create', '--network', 'sgnet', '--subnet-range', '10.98.0.0/24', 'sgsub');
    const plain = await json('port create', '--network', 'sgnet', 'plain');
    assert.deepEqual(plain['security_group_ids'], [defaultId]);
    const chosen = await json('port create', '--network', 'sgnet', '--security-group', 'web2', 'chosen');
    assert.deepEqual(chosen['security_group_ids'], [webId]);
    const none = await json('port create', '--network', 'sgnet', '--no-security-group', 'none');
    assert.deepEqual(none['security_group_ids'], []);
    const open = await json(
      'port create',
      '--network',
      'sgnet',
      '--no-security-group',
      '--disable-port-security',
      'open',
    );
    assert.equal(open['port_security_enabled'], false);
    await fails(
      /PortSecurityPortHasSecurityGroup|Port has security group/,
      'port set',
      '--disable-port-security',
      'plain',
    );

    await fails(/in use/, 'security group delete', 'web2');
    await ok('port delete', 'chosen');
    await ok('security group delete', 'web2');
    // noauth is admin, who may remove a default group, but not while a port is in it.
    await fails(/in use/, 'security group delete', defaultId);
  });
});
