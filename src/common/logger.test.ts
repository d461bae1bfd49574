import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, isoTimeField } from './logger.js';

const dir = mkdtempSync(join(tmpdir(), 'qdhcp-logger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('file logger: buffered JSON lines reach the file on flush, with ISO times that follow the clock', async () => {
  const file = join(dir, 'a.log');
  const logger = createLogger({ name: 'unit', file });
  logger.info({ event: 'first', mac: 'fa:16:3e:00:00:01' }, 'one');
  await sleep(5);
  logger.warn('two');
  logger.flushBuffered();
  const [first, second] = lines(file);
  assert.equal(first?.['msg'], 'one');
  assert.equal(first?.['event'], 'first');
  assert.equal(first?.['name'], 'unit');
  assert.equal(second?.['level'], 40);
  const t1 = Date.parse(String(first?.['time']));
  const t2 = Date.parse(String(second?.['time']));
  assert.ok(Number.isFinite(t1) && Number.isFinite(t2), 'ISO timestamps');
  assert.ok(t2 > t1, 'the cached timestamp moves with the clock');
});

test('file logger: a quiet logger still writes within the flush interval', async () => {
  const file = join(dir, 'b.log');
  const logger = createLogger({ name: 'unit', file });
  logger.info('lonely line');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    try {
      if (lines(file).length === 1) return;
    } catch {
      // not created yet
    }
    await sleep(50);
  }
  assert.fail('the buffered line was not written within 3 s');
});

test('the time field is toISOString of the clock, across milliseconds, seconds and days', () => {
  const field = isoTimeField();
  const realNow = Date.now;
  const start = Date.parse('2026-12-31T23:59:58.990Z');
  try {
    for (const offset of [0, 0, 1, 9, 10, 999, 1000, 1001, 1_010, 1_999, 2_000, 2_001, 86_400_123, 5]) {
      const now = start + offset;
      Date.now = () => now;
      assert.equal(field(), `,"time":"${new Date(now).toISOString()}"`);
    }
  } finally {
    Date.now = realNow;
  }
});
