import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A namespace with only loopback up for the tests of one file: made before them, removed after them (also
 * when one fails), named `<prefix><pid>` so that parallel test files never share one. For socket tests that
 * need no link: a server and its client both on 127.0.0.1 inside it.
 */
export function loopbackNamespace(prefix: string): string {
  const namespace = `${prefix}${process.pid}`;
  const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
  before(() => {
    ip('netns', 'add', namespace);
    ip('-n', namespace, 'link', 'set', 'lo', 'up');
  });
  after(() => {
    ip('netns', 'del', namespace);
  });
  return namespace;
}

/** Resolves when `predicate` holds, polling every 10 ms for at most `ms` (then rejects: the test fails, never hangs). */
export async function until(predicate: () => boolean, ms: number): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited >= ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}
