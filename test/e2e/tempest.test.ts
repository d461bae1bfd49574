/**
 * OpenStack's own Neutron API suites against a real `qdhcp all-in-one` (issue 12): `test/tempest/run.sh all`
 * runs tempest.api.network and neutron_tempest_plugin.api behind a Keystone stand-in and judges them with
 * `test/tempest/exclude.txt` (one entry per resource qdhcp does not have yet, naming its issue). Any other
 * failure fails this test, printed grouped by cause. The counts are in docs/api.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';
import { canUseNamespaces, uniquePrefix } from '../support/netns.js';
import { ManagedProcess } from '../support/process.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
/** Both suites take ~2 min here; the bound is for a hung run, which run.sh then tears down. */
const RUN_BOUND_MS = 12 * 60_000;

interface Verdict {
  readonly ok: boolean;
  readonly notExcluded: readonly string[];
  readonly suites: readonly string[];
}

/** report.py's verdict.json, checked at the edge: a malformed file is an error, not a pass. */
function readVerdict(path: string): Verdict {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${path}: not an object`);
  const { ok, not_excluded: notExcluded, counts } = raw as Record<string, unknown>;
  if (typeof ok !== 'boolean') throw new Error(`${path}: ok is not a boolean`);
  if (!Array.isArray(notExcluded) || !notExcluded.every((id) => typeof id === 'string'))
    throw new Error(`${path}: not_excluded is not a list of test ids`);
  if (typeof counts !== 'object' || counts === null) throw new Error(`${path}: no counts`);
  return { ok, notExcluded, suites: Object.keys(counts) };
}

test('tempest.api.network and neutron_tempest_plugin.api: every failure is one exclude.txt names', {
  skip,
  timeout: RUN_BOUND_MS + 60_000,
}, async (t) => {
  const results = mkdtempSync(join(tmpdir(), 'qdhcp-tempest-'));
  const run = ManagedProcess.start(
    'tempest',
    'bash',
    [join(repoRoot(), 'test', 'tempest', 'run.sh'), 'all'],
    {
      ...process.env,
      RESULTS: results,
      TEMPEST_PREFIX: `${uniquePrefix('tmp')}-`,
    },
  );
  let ok = false;
  try {
    const finished = await run.waitForExit(RUN_BOUND_MS);
    assert.ok(finished, `run.sh did not finish within ${RUN_BOUND_MS} ms (results: ${results})`);
    for (const line of run.stdout.split('\n').filter((l) => l.trim() !== '')) t.diagnostic(line);
    const verdict = readVerdict(join(results, 'verdict.json'));
    assert.deepEqual(verdict.suites, ['tempest', 'plugin'], 'both suites reported');
    assert.equal(
      run.exit?.code,
      verdict.ok ? 0 : 1,
      `run.sh's status agrees with its verdict\n${run.output()}`,
    );
    // the message is report.py's own output: the counts, then those failures grouped by cause (or why
    // a suite did not run)
    assert.ok(
      verdict.ok,
      `${verdict.notExcluded.length} failures exclude.txt does not cover (results kept in ${results}):\n${run.stdout}`,
    );
    ok = true;
  } finally {
    // run.sh stops what it started and removes its namespaces on SIGTERM
    await run.stop(30_000);
    if (ok) rmSync(results, { recursive: true, force: true });
  }
});
