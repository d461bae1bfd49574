import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GARP_ROUNDS, GarpAnnouncer } from './garp-announcer.js';

/** Records each send (address, kind, when) and lets it take `sendMs`. */
function recorder(sendMs = 1, fail = false) {
  const sent: Array<{ address: string; kind: string; at: number }> = [];
  const started = performance.now();
  const failures: string[] = [];
  const announcer = new GarpAnnouncer(
    async (_namespace, _device, address, kind) => {
      sent.push({ address, kind, at: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, sendMs));
      return { sent: !fail, detail: fail ? 'no such device' : '' };
    },
    (_router, address) => failures.push(address),
    40,
  );
  return { announcer, sent, failures };
}

describe('gratuitous ARP announcer', () => {
  test('three rounds per address, a request and a reply each, the interval apart', async () => {
    const { announcer, sent } = recorder();
    announcer.announce('r', 'ns', 'qg-x', ['172.24.4.10']);
    await announcer.idle('r');
    assert.equal(GARP_ROUNDS, 3);
    assert.deepEqual(
      sent.map((s) => s.kind),
      ['request', 'reply', 'request', 'reply', 'request', 'reply'],
    );
    const requests = sent.filter((s) => s.kind === 'request').map((s) => s.at);
    assert.ok((requests[0] ?? 99) < 20, `first round at once (${requests[0]} ms)`);
    for (let i = 1; i < requests.length; i++)
      assert.ok((requests[i] ?? 0) - (requests[i - 1] ?? 0) >= 39, `rounds apart: ${requests.join(', ')}`);
  });

  test('a new address goes ahead of the later rounds already queued', async () => {
    const { announcer, sent } = recorder(5);
    // 40 addresses, 4 at a time: their second rounds queue up behind one another.
    announcer.announce(
      'r',
      'ns',
      'qg-x',
      Array.from({ length: 40 }, (_, i) => `172.24.4.${20 + i}`),
    );
    // Round 1 done (bounded wait), later rounds queued or waiting.
    for (let i = 0; i < 100 && sent.length < 80; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const announcedAt = sent.at(-1)?.at ?? 0;
    announcer.announce('r', 'ns', 'qg-x', ['172.24.4.10']);
    await announcer.idle('r');
    const first = sent.findIndex((s) => s.address === '172.24.4.10');
    const startedBetween = sent
      .slice(0, first)
      .filter((s) => s.kind === 'request' && s.at > announcedAt + 1).length;
    assert.equal(startedBetween, 0, 'no queued send started before the new address');
    assert.equal(sent.filter((s) => s.address === '172.24.4.10').length, 6);
  });

  test('cancel drops the pending rounds of an address; cancel of the router drops all', async () => {
    const { announcer, sent } = recorder();
    announcer.announce('r', 'ns', 'qg-x', ['172.24.4.10', '172.24.4.11']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    announcer.cancel('r', ['172.24.4.10']);
    await announcer.idle('r');
    assert.equal(sent.filter((s) => s.address === '172.24.4.10').length, 2, 'the first round only');
    assert.equal(sent.filter((s) => s.address === '172.24.4.11').length, 6);
    announcer.announce('r', 'ns', 'qg-x', ['172.24.4.12']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    announcer.cancel('r');
    await announcer.idle('r');
    assert.equal(sent.filter((s) => s.address === '172.24.4.12').length, 2);
  });

  test('failures are reported and do not stop the rounds', async () => {
    const { announcer, sent, failures } = recorder(1, true);
    announcer.announce('r', 'ns', 'qg-x', ['172.24.4.10']);
    await announcer.idle('r');
    assert.equal(sent.length, 6);
    assert.equal(failures.length, 6);
  });
});
