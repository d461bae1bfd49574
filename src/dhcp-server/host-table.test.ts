import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const HOST_TABLE = new URL('./host-table.js', import.meta.url).href;
const HOSTS_FILE = new URL('./dnsmasq/hosts-file.js', import.meta.url).href;

/**
 * Builds a 20,000-host table in a node started the way bin/qdhcp starts `serve` (--single-threaded
 * --expose-gc), releases it, runs one scavenge, and reports the array-buffer bytes before and after.
 */
const SCENARIO = `
const { HostTable } = await import(${JSON.stringify(HOST_TABLE)});
const { parseHostLine } = await import(${JSON.stringify(HOSTS_FILE)});
const hex = (n) => n.toString(16).padStart(2, '0');
const entries = [];
for (let row = 0; row < 20000; row++) {
  const a = row >> 8, b = row & 255;
  entries.push(parseHostLine('fa:16:3e:00:' + hex(a) + ':' + hex(b) + ',host-' + a + '-' + b + ',10.77.' + a + '.' + b, row + 1).entry);
}
const table = HostTable.build(entries);
const found = table.find('fa:16:3e:00:4e:1f', undefined, () => true).entry?.name;
gc();
const before = process.memoryUsage().arrayBuffers;
table.release();
gc({ type: 'minor' });
const after = process.memoryUsage().arrayBuffers;
const afterRelease = table.find('fa:16:3e:00:4e:1f', undefined, () => true).entry?.name ?? null;
process.stdout.write(JSON.stringify({ found, before, after, afterRelease }));
`;

test('release() gives a replaced table back at the next scavenge (as qdhcp serve runs: --single-threaded --expose-gc)', () => {
  const output = execFileSync(
    process.execPath,
    ['--single-threaded', '--expose-gc', '--input-type=module', '-e', SCENARIO],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const result = JSON.parse(output) as { found: string; before: number; after: number; afterRelease: null };
  assert.equal(result.found, 'host-78-31');
  // 20,000 rows hold ~25 bytes each in typed arrays plus a 2^16-slot index: ~1 MB.
  assert.ok(result.before - result.after > 800_000, `freed only ${result.before - result.after} bytes`);
  assert.equal(result.afterRelease, null, 'a released table serves nobody');
});

test('a row is turned into an entry once: repeated lookups answer the same object, equal to a fresh one', async () => {
  const { HostTable } = (await import(HOST_TABLE)) as typeof import('./host-table.js');
  const { parseHostsFile } = (await import(HOSTS_FILE)) as typeof import('./dnsmasq/hosts-file.js');
  const lines = 'fa:16:3e:00:00:05,host-a,10.77.1.5\nfa:16:3e:00:00:06,10.77.1.6\n';
  const table = HostTable.build(parseHostsFile(lines).entries);
  const first = table.find('fa:16:3e:00:00:05', undefined, () => true).entry;
  assert.equal(table.find('FA:16:3E:00:00:05', undefined, () => true).entry, first);
  const fresh = HostTable.build(parseHostsFile(lines).entries);
  assert.deepEqual(fresh.find('fa:16:3e:00:00:05', undefined, () => true).entry, first);
  assert.equal(first?.name, 'host-a');
  assert.equal(table.find('fa:16:3e:00:00:06', undefined, () => true).entry?.name, undefined);
  assert.equal(table.find('fa:16:3e:00:00:07', undefined, () => true).known, false);
});
