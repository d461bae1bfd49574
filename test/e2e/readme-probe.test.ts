import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { netnsEtcDir } from '../../src/linux/netns-etc.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AllInOne } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';

/**
 * README.md's own example, run as written: its `openstack …` lines (the real CLI, against this test's
 * `qdhcp all-in-one` instead of 127.0.0.1:9696) and its `./bin/qdhcp probe …` lines (with the test's API,
 * state dir and namespace prefix added). The lines are read from README.md, so changing the example
 * without keeping it working fails here. Then `probe delete` removes the probe's resolver with it.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const README_ENDPOINT = 'http://127.0.0.1:9696';

/** `openstack ARGS` with a clean environment (no inherited OS_* variables); never rejects. */
async function openstack(
  args: readonly string[],
  home: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  try {
    const { stdout, stderr } = await promisify(execFile)('openstack', [...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? String(error),
    };
  }
}

/** The commands of README's "openstack CLI" block: `openstack …` and `./bin/qdhcp probe …`, comments cut. */
function readmeExample(): string[][] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /The `openstack` CLI works against the API without Keystone:\n\n```sh\n([\s\S]*?)```/.exec(
    text,
  );
  assert.ok(block?.[1], 'README.md has the openstack CLI example block');
  return block[1]
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/));
}

describe('README example: openstack CLI, then probe create / exec ip route / exec nslookup', { skip }, () => {
  let aio: AllInOne;
  const outputs = new Map<string, string>();

  before(async () => {
    aio = await AllInOne.start('rdm');
  });
  after(() => aio?.teardown());

  test('every line of the example works as written', async () => {
    const commands = readmeExample();
    assert.ok(commands.length >= 6, `the example has its lines: ${JSON.stringify(commands)}`);
    for (const words of commands) {
      const line = words.join(' ');
      let result: { code: number | null; stdout: string; stderr: string };
      if (words[0] === 'openstack') {
        const args = words.slice(1).map((word) => (word === README_ENDPOINT ? aio.apiUrl : word));
        result = await openstack(args, aio.bed.path('.'));
      } else {
        assert.deepEqual(words.slice(0, 2), ['./bin/qdhcp', 'probe'], `a line the test knows: ${line}`);
        result = await aio.probe(words[2]!, words.slice(3));
      }
      assert.equal(result.code, 0, `${line}\n${result.stdout}${result.stderr}\n${aio.output()}`);
      outputs.set(line, result.stdout);
    }
    const output = (pattern: RegExp) =>
      [...outputs].find(([line]) => pattern.test(line))?.[1] ?? assert.fail(`no line ${pattern}`);
    assert.match(output(/probe create/), /probe vm1: bound 10\.0\.0\.\d+\/24 on eth0/);
    assert.match(output(/exec vm1 -- ip route/), /^169\.254\.169\.254 via 10\.0\.0\.2 dev eth0/m);
    // The probe namespace's resolver is the lease's (the DHCP port), so the port's name resolves.
    assert.match(output(/nslookup/), /^Server:\s+10\.0\.0\.2$/m);
    assert.match(output(/nslookup/), /^Name:\s+host-10-0-0-3\.openstacklocal\nAddress: 10\.0\.0\.3$/m);
  });

  test("the probe's resolv.conf is the lease's and goes with the probe", async () => {
    const dir = netnsEtcDir(aio.probeNamespace('vm1'));
    assert.equal(
      readFileSync(join(dir, 'resolv.conf'), 'utf8').replace(/^#.*\n/, ''),
      'search openstacklocal\nnameserver 10.0.0.2\n',
    );
    const inside = await aio.probe('exec', ['vm1', '--', 'cat', '/etc/resolv.conf']);
    assert.match(inside.stdout, /^nameserver 10\.0\.0\.2$/m);
    const deleted = await aio.probe('delete', ['vm1']);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    assert.ok(!existsSync(dir), `${dir} removed with the probe`);
    const namespaces = await runCommand('ip', ['netns', 'list']);
    assert.doesNotMatch(namespaces.stdout, new RegExp(`^${aio.probeNamespace('vm1')}\\b`, 'm'));
  });
});
