import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LogFileStream } from './log-file-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'qdhcp-log-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string): { path: string; fd: number } {
  const path = join(dir, name);
  return { path, fd: openSync(path, 'a') };
}

describe('LogFileStream', () => {
  it('keeps lines until flushed, then appends them in order, UTF-8 included', () => {
    const { path, fd } = open('order.log');
    const stream = new LogFileStream(fd);
    stream.write('{"a":1}\n');
    stream.write('{"name":"hôte-é-✓"}\n');
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing written before the threshold or a flush');
    assert.equal(stream.pendingCharacters, '{"a":1}\n{"name":"hôte-é-✓"}\n'.length);
    stream.flushSync();
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"name":"hôte-é-✓"}\n');
    assert.equal(stream.pendingCharacters, 0);
    closeSync(fd);
  });

  it('writes by itself once 32 Ki characters wait, and loses no line across the writes', () => {
    const { path, fd } = open('threshold.log');
    const stream = new LogFileStream(fd);
    const lines = Array.from({ length: 1000 }, (_, i) => `{"line":${i},"pad":"${'x'.repeat(200)}"}\n`);
    for (const line of lines) stream.write(line);
    const written = readFileSync(path, 'utf8');
    assert.ok(written.length >= 32 * 1024, 'the threshold wrote without a flush');
    assert.ok(stream.pendingCharacters < 32 * 1024);
    stream.flush();
    assert.equal(readFileSync(path, 'utf8'), lines.join(''));
    closeSync(fd);
  });

  it('writes a line longer than the threshold at once, with what was waiting before it', () => {
    const { path, fd } = open('large.log');
    const stream = new LogFileStream(fd);
    const large = `${'y'.repeat(100_000)}\n`;
    stream.write('first\n');
    stream.write(large);
    assert.equal(readFileSync(path, 'utf8'), `first\n${large}`);
    stream.write('last\n');
    stream.flushSync();
    assert.equal(readFileSync(path, 'utf8'), `first\n${large}last\n`);
    closeSync(fd);
  });

  it('drops lines it cannot write instead of throwing (a read-only descriptor)', () => {
    const path = join(dir, 'read-only.log');
    writeFileSync(path, '');
    const fd = openSync(path, 'r');
    const stream = new LogFileStream(fd);
    const stderrWrite = process.stderr.write;
    const reported: string[] = [];
    process.stderr.write = ((text: string) => reported.push(text) > 0) as typeof process.stderr.write;
    try {
      stream.write('lost\n');
      assert.doesNotThrow(() => stream.flushSync());
      stream.write('lost too\n');
      assert.doesNotThrow(() => stream.flushSync());
    } finally {
      process.stderr.write = stderrWrite;
    }
    assert.equal(stream.pendingCharacters, 0);
    assert.equal(reported.length, 1, 'reported once');
    assert.match(reported[0] ?? '', /EBADF/);
    closeSync(fd);
  });
});
