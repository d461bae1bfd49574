import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import { testNetwork, testPort } from '../testing/model-fixtures.js';
import { encodeServedNetwork } from './format.js';
import { servedStateFileName } from './layout.js';
import { loadServedState } from './load.js';
import { ServedStateWriter } from './writer.js';

const logger = createLogger({ level: 'silent' });

function served(id: string, revision: number, ports: number) {
  const subnet = `${id}-s`;
  const list = Array.from({ length: ports }, (_, i) => testPort(subnet, `${id}-p${i}0`, `10.8.0.${i + 10}`));
  return { network: testNetwork({ network: id, subnet }, '10.8.0.0/24', list), revision };
}

async function withDirectory(run: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'qdhcp-served-state-'));
  try {
    await run(join(directory, 'served-state'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('served-state load', () => {
  test('a missing directory is an empty state', async () => {
    await withDirectory(async (directory) => {
      assert.deepEqual(await loadServedState(directory, logger), { networks: [], skipped: [] });
    });
  });

  test('skips unreadable, incompatible and misplaced files with their codes, reads the rest', async () => {
    await withDirectory(async (directory) => {
      await mkdir(directory);
      const good = encodeServedNetwork(served('net-a', 3, 2), new Date());
      await writeFile(join(directory, servedStateFileName('net-a')), good);
      await writeFile(join(directory, servedStateFileName('net-torn')), good.slice(0, 40));
      await writeFile(
        join(directory, servedStateFileName('net-new')),
        JSON.stringify({ ...JSON.parse(good), formatVersion: '2.0' }),
      );
      await writeFile(join(directory, servedStateFileName('net-copy')), good);
      await writeFile(join(directory, '.net-b.json.123.tmp'), good);
      await mkdir(join(directory, servedStateFileName('net-dir')));
      const loaded = await loadServedState(directory, logger);
      assert.deepEqual(
        loaded.networks.map((n) => [n.network.id, n.revision, n.network.ports.length]),
        [['net-a', 3, 2]],
      );
      assert.deepEqual(
        loaded.skipped.map(({ file, error }) => [file.slice(directory.length + 1), error.code]),
        [
          ['net-copy.json', 'SERVED_STATE_UNREADABLE'],
          ['net-dir.json', 'SERVED_STATE_UNREADABLE'],
          ['net-new.json', 'SERVED_STATE_INCOMPATIBLE'],
          ['net-torn.json', 'SERVED_STATE_UNREADABLE'],
        ],
      );
    });
  });
});

describe('served-state writer', () => {
  test('debounces changes into one durable batch; the last change of a network wins; removal deletes', async () => {
    await withDirectory(async (directory) => {
      const writer = new ServedStateWriter(directory, logger, 20);
      writer.changed('net-a', served('net-a', 1, 1));
      writer.changed('net-a', served('net-a', 2, 3));
      writer.changed('net-b', served('net-b', 1, 1));
      assert.deepEqual(await readdir(directory).catch(() => []), [], 'nothing before the delay');
      await new Promise((resolve) => setTimeout(resolve, 60));
      await writer.flush();
      let loaded = await loadServedState(directory, logger);
      assert.deepEqual(
        loaded.networks.map((n) => [n.network.id, n.revision, n.network.ports.length]),
        [
          ['net-a', 2, 3],
          ['net-b', 1, 1],
        ],
      );
      writer.changed('net-b', undefined);
      await writer.flush();
      loaded = await loadServedState(directory, logger);
      assert.deepEqual(
        loaded.networks.map((n) => n.network.id),
        ['net-a'],
      );
      assert.deepEqual(await readdir(directory), ['net-a.json'], 'no temporary file left');
      assert.equal(writer.failedWrites, 0);
    });
  });

  test('a failed write is logged, counted and retried with the next change', async () => {
    await withDirectory(async (directory) => {
      // A file where the directory should be: mkdir fails.
      await writeFile(directory, 'in the way');
      const writer = new ServedStateWriter(directory, logger, 5);
      writer.changed('net-a', served('net-a', 1, 1));
      await writer.flush();
      assert.equal(writer.failedWrites, 1);
      await rm(directory);
      writer.changed('net-b', served('net-b', 1, 1));
      await writer.flush();
      assert.deepEqual((await readdir(directory)).sort(), ['net-a.json', 'net-b.json']);
      assert.match(await readFile(join(directory, 'net-a.json'), 'utf8'), /"formatVersion":"1.0"/);
    });
  });
});
