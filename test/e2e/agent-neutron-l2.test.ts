import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { bridgeName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';

/**
 * The agent process with `--l2-owner neutron-linuxbridge` (issue 16), for both drivers: `qdhcp all-in-one`
 * must make the DHCP namespace and the tap, and leave the bridge to Neutron's linuxbridge agent — played by
 * the test, which makes `brq<net id[0:11]>` itself in the test's host namespace (as the L2 agent does with
 * `physical_interface_mappings`) and plugs the tap into it once it appears. A probe then gets its lease;
 * deleting the network through the API removes the namespace and the tap, and leaves the test's bridge.
 */
function dnsmasqMissing(): string | undefined {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dnsmasq is not installed';
  }
}

for (const driver of ['builtin', 'dnsmasq'] as const) {
  const skip = !canUseNamespaces()
    ? 'needs root for network namespaces'
    : driver === 'dnsmasq'
      ? dnsmasqMissing()
      : undefined;
  describe(`agent process beside the linuxbridge agent (${driver})`, { skip, concurrency: false }, () => {
    let aio: AllInOne;
    let network: Json;
    let bridge: string;

    before(async () => {
      aio = await AllInOne.start(`l2${driver[0]}`, ['--driver', driver, '--l2-owner', 'neutron-linuxbridge']);
    });
    after(() => aio?.teardown());

    test('the agent makes the namespace and an unplugged tap, and no bridge', async () => {
      network = (await aio.servedNetwork('l2', '10.85.0.0/24')).network;
      bridge = bridgeName(String(network['id']));
      const dhcp = await aio.api('GET', `/v2.0/ports?network_id=${network['id']}&device_owner=network:dhcp`);
      const tap = `tap${String((dhcp.body['ports'] as Json[])[0]?.['id']).slice(0, 11)}`;
      const links = (await aio.bed.host.ip(['-o', 'link', 'show'])).stdout;
      assert.match(links, new RegExp(`: ${tap}@[^:]+: <[^>]*\\bUP\\b`), 'the tap is there and up');
      assert.doesNotMatch(links, new RegExp(`: ${tap}@.* master `), 'the tap is in no bridge');
      assert.doesNotMatch(links, /: brq/, 'no bridge of the agent');
      // The L2 agent's turn: its bridge, with the tap plugged in.
      await aio.bed.sandbox.addBridge(aio.bed.host, bridge);
      await aio.bed.host.ip(['link', 'set', tap, 'master', bridge]);
    });

    test('a probe on the L2 agent’s bridge gets its lease', async () => {
      const { ip } = await aio.leasedProbe(String(network['id']), 'p1');
      assert.match(ip, /^10\.85\.0\./);
      const deleted = await aio.probe('delete', ['p1']);
      assert.equal(deleted.code, 0, deleted.stderr);
    });

    test('network delete removes the namespace and the tap; the bridge stays for the L2 agent to remove', async () => {
      assert.equal((await aio.api('DELETE', `/v2.0/networks/${network['id']}`)).status, 204);
      await aio.waitFor('namespace gone', async () =>
        (await aio.dhcpNamespaces()).length === 0 ? true : undefined,
      );
      await aio.waitFor('tap gone', async () =>
        /: tap/.test((await aio.bed.host.ip(['-o', 'link', 'show'])).stdout) ? undefined : true,
      );
      // The agent finished the deletion (in qdhcp mode its bridge would be gone by now): the L2 agent's stays.
      await aio.waitFor('the agent tore the network down', async () =>
        aio
          .output()
          .split('\n')
          .some((line) => line.includes('agent.network_removed') && line.includes(String(network['id'])))
          ? true
          : undefined,
      );
      const link = await aio.bed.host.ip(['-o', 'link', 'show', 'dev', bridge], { allowFailure: true });
      assert.equal(link.code, 0, `${bridge} is still there`);
    });
  });
}
