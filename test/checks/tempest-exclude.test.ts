/**
 * The judge of Neutron's API suites (test/tempest/report.py) and its exclude list, on made-up results: only
 * failures an entry of test/tempest/exclude.txt matches pass; every entry names the issue that removes it;
 * subnet pools, address scopes and deviations of what qdhcp has are never excluded (issue 12).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';

const TEMPEST = join(repoRoot(), 'test', 'tempest');
const EXCLUDE = join(TEMPEST, 'exclude.txt');

type Status = 'pass' | 'fail' | 'skip' | 'missing';

interface Judged {
  readonly status: number | null;
  readonly stdout: string;
  readonly notExcluded: readonly string[];
}

/**
 * Runs report.py on one made-up plugin suite (plus a passing tempest suite) and reads its verdict; with
 * `excludeLines`, against a made-up exclude list instead of exclude.txt.
 */
function judge(
  tests: ReadonlyArray<{ id: string; status: Status; classLevel?: string }>,
  excludeLines?: readonly string[],
): Judged {
  const dir = mkdtempSync(join(tmpdir(), 'qtexcl-'));
  try {
    const exclude = excludeLines === undefined ? EXCLUDE : join(dir, 'exclude.txt');
    if (excludeLines !== undefined) writeFileSync(exclude, `${excludeLines.join('\n')}\n`);
    const record = (id: string, status: Status, classLevel?: string) => ({
      id,
      status,
      reason: '',
      error: status === 'fail' ? 'AssertionError: made up' : '',
      frame: '',
      request: '',
      ...(classLevel === undefined ? {} : { class_level: classLevel }),
    });
    const suite = (name: string, records: ReturnType<typeof record>[]) =>
      JSON.stringify({ suite: name, listed: records.length, counts: {}, tests: records });
    writeFileSync(
      join(dir, 'tempest.json'),
      suite('tempest', [record('tempest.api.network.test_x.T.test_ok', 'pass')]),
    );
    writeFileSync(
      join(dir, 'plugin.json'),
      suite('plugin', [
        record('neutron_tempest_plugin.api.test_ok.T.test_ok', 'pass'),
        ...tests.map((t) => record(t.id, t.status, t.classLevel)),
      ]),
    );
    const run = spawnSync('/usr/bin/python3', [join(TEMPEST, 'report.py'), dir, exclude], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.error, undefined, String(run.error));
    const verdict: unknown = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8'));
    const notExcluded = (verdict as { not_excluded?: unknown }).not_excluded;
    assert.ok(Array.isArray(notExcluded), 'verdict.json lists the failures left');
    return { status: run.status, stdout: run.stdout, notExcluded: notExcluded.map(String) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PLUGIN = 'neutron_tempest_plugin.api';

/** A made-up entry (exclude.txt may be empty: every resource of tempest's suites exists since issue 14). */
const MADE_UP = ['\\.test_made_up_resource\\.   # issue #15 made up: a resource qdhcp would not have'];

test('a failure exclude.txt matches passes; any other fails the run and is printed with its cause', () => {
  const excluded = `${PLUGIN}.test_made_up_resource.MadeUpTest.test_create[id-1]`;
  const other = `${PLUGIN}.test_ports.PortsTestJSON.test_create_port[id-2]`;
  const fine = judge([{ id: excluded, status: 'fail' }], MADE_UP);
  assert.equal(fine.status, 0, fine.stdout);
  assert.deepEqual(fine.notExcluded, []);
  const bad = judge(
    [
      { id: excluded, status: 'fail' },
      { id: other, status: 'fail' },
    ],
    MADE_UP,
  );
  assert.equal(bad.status, 1, bad.stdout);
  assert.deepEqual(bad.notExcluded, [other]);
  assert.match(bad.stdout, /1 failures not covered .*by cause:\n\s+1 × AssertionError: made up/);
});

test('a test that never reported and a tearDownClass error are failures; the latter matched by its class', () => {
  const missing = judge([{ id: `${PLUGIN}.test_ports.PortsTestJSON.test_x`, status: 'missing' }]);
  assert.equal(missing.status, 1, missing.stdout);
  const teardown = `tearDownClass (${PLUGIN}.test_ports.PortsTestJSON)`;
  const left = judge([{ id: teardown, status: 'fail', classLevel: 'tearDownClass' }]);
  assert.deepEqual(left.notExcluded, [teardown]);
  const madeUp = `tearDownClass (${PLUGIN}.test_made_up_resource.MadeUpTest)`;
  assert.deepEqual(
    judge([{ id: madeUp, status: 'fail', classLevel: 'tearDownClass' }], MADE_UP).notExcluded,
    [],
  );
});

test('subnet pools, address scopes, routers, floating IPs, security groups and the deviations of what qdhcp has are never excluded', () => {
  // the tests of things qdhcp has (issues 12, 13 and 14's API): they must keep failing the run
  const kept = [
    `${PLUGIN}.test_security_groups.SecGroupTest.test_create_list_update_show_delete_security_group`,
    `${PLUGIN}.test_security_groups_negative.NegativeSecGroupTest.test_delete_in_use_sec_group`,
    'tempest.api.network.test_security_groups.SecGroupTest.test_list_security_groups',
    `${PLUGIN}.test_timestamp.TestTimeStampWithSecurityGroup.test_create_sg_with_timestamp`,
    `${PLUGIN}.test_extension_driver_port_security.PortSecTest.test_port_sec_update_port_failed`,
    `${PLUGIN}.test_routers.RoutersDeleteTest.test_delete_router`,
    `${PLUGIN}.admin.test_floating_ips_admin_actions.FloatingIPAdminTestJSON.test_associate_floating_ip_with_port_from_another_project`,
    `${PLUGIN}.test_routers.RoutersTest.test_create_router_with_default_snat_value`,
    `${PLUGIN}.test_floating_ips.FloatingIPTestJSON.test_blank_update_clears_association`,
    `${PLUGIN}.test_revisions.TestRevisions.test_update_router_bumps_revision`,
    'tempest.api.network.test_routers.RoutersTest.test_add_remove_router_interface_with_subnet_id',
    'tempest.api.network.test_floating_ips.FloatingIPTestJSON.test_create_list_show_update_delete_floating_ip',
    'tempest.api.network.test_dhcp_ipv6.NetworksTestDHCPv6.test_dhcpv6_stateless_eui64',
    `${PLUGIN}.test_subnetpools.SubnetPoolsTest.test_create_list_subnetpool`,
    `${PLUGIN}.test_subnetpools_negative.SubnetPoolsNegativeTestJSON.test_update_subnetpool_prefixes_shrink`,
    `${PLUGIN}.test_address_scopes.AddressScopeTest.test_create_address_scope`,
    `${PLUGIN}.test_timestamp.TestTimeStamp.test_create_subnetpool_with_timestamp`,
    `${PLUGIN}.test_revisions.TestRevisions.test_update_subnet_bumps_network_revision`,
    `${PLUGIN}.admin.test_agent_management.AgentManagementTestJSON.test_list_agents_non_admin`,
    `${PLUGIN}.test_extension_driver_port_security.PortSecTest.test_allowed_address_pairs`,
    `${PLUGIN}.admin.test_extension_driver_port_security_admin.PortSecurityAdminTests.test_create_port_security_false_on_shared_network`,
    `${PLUGIN}.admin.test_shared_network_extension.AllowedAddressPairSharedNetworkTest.test_update_with_address_pair_blocked_on_other_network`,
    'tempest.api.network.test_networks.NetworksTest.test_external_network_visibility',
    `${PLUGIN}.test_ports.PortsTestJSON.test_create_port_with_security_group_disabled`,
  ];
  const judged = judge(kept.map((id) => ({ id, status: 'fail' as const })));
  assert.deepEqual(judged.notExcluded, kept);
});

test('every entry of exclude.txt names the issue that removes it (#13 routers/floating IPs, #14 security groups, #15 IPv6)', () => {
  const entries = readFileSync(EXCLUDE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  for (const entry of entries) assert.match(entry, /#\s*issue #1[345] \S/, entry);
});
