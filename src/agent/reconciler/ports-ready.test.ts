import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MethodParams } from '../../bus/dhcp-agent-rpc.js';
import { createLogger } from '../../common/logger.js';
import type { AgentRpc } from './agent-rpc.js';
import { PORTS_READY_BATCH, portsReadyReporter } from './ports-ready.js';

const logger = createLogger({ level: 'silent' });

/** An AgentRpc whose `dhcp.ports_ready` calls stay open until the test settles them, one by one. */
class HeldCalls {
  readonly sent: string[][] = [];
  private readonly open: { resolve: () => void; reject: (error: Error) => void }[] = [];
  maxInFlight = 0;

  call<M extends string>(method: M, params: unknown): Promise<never> {
    assert.equal(method, 'dhcp.ports_ready');
    this.sent.push([...(params as MethodParams<'dhcp.ports_ready'>).portIds]);
    return new Promise((resolve, reject) => {
      this.open.push({ resolve: () => resolve({} as never), reject });
      this.maxInFlight = Math.max(this.maxInFlight, this.open.length);
    });
  }

  inFlight(): number {
    return this.open.length;
  }

  settle(outcome: 'ok' | 'fail'): void {
    const call = this.open.shift();
    assert.ok(call, 'no call in flight');
    if (outcome === 'ok') call.resolve();
    else call.reject(new Error('timed out'));
  }
}

const ids = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await sleep(5);
  assert.ok(condition(), what);
}

test('one call in flight at most, however often ports are added meanwhile', async () => {
  const rpc = new HeldCalls();
  const reporter = portsReadyReporter(rpc as unknown as AgentRpc, 'h', logger, 1);
  reporter.start();
  reporter.add(ids('a', 3));
  await until(() => rpc.inFlight() === 1, 'first call sent');
  // A start-up sync serving network after network adds ports while the first call is open.
  for (let n = 0; n < 10; n += 1) {
    reporter.add(ids(`net${n}`, 5));
    await sleep(3);
  }
  assert.equal(rpc.inFlight(), 1, 'no second call while the first is open');
  for (let i = 0; i < 20 && reporter.pendingCount() + rpc.inFlight() > 0; i += 1) {
    await until(() => rpc.inFlight() === 1, 'next call sent');
    rpc.settle('ok');
    await sleep(3);
  }
  assert.equal(rpc.maxInFlight, 1);
  assert.equal(rpc.sent.flat().length, 53, 'every port reported once');
  assert.ok(rpc.sent.every((batch) => batch.length <= PORTS_READY_BATCH));
  await reporter.stop();
});

test('ports of port events go before the backlog of a sync; a failed call is retried with the same lanes', async () => {
  const rpc = new HeldCalls();
  const reporter = portsReadyReporter(rpc as unknown as AgentRpc, 'h', logger, 1);
  reporter.start();
  reporter.add(ids('backlog', PORTS_READY_BATCH * 3));
  await until(() => rpc.inFlight() === 1, 'first backlog call sent');
  reporter.addPriority(['new-port']);
  reporter.add(['new-port']); // the same port again from a later sync stays in the priority lane
  rpc.settle('fail');
  await until(() => rpc.inFlight() === 1, 'retry sent');
  assert.deepEqual(rpc.sent[1]?.[0], 'new-port', 'the priority port leads the next call');
  rpc.settle('ok');
  for (let i = 0; i < 10 && reporter.pendingCount() + rpc.inFlight() > 0; i += 1) {
    await until(() => rpc.inFlight() === 1 || reporter.pendingCount() === 0, 'next call sent');
    if (rpc.inFlight() === 1) rpc.settle('ok');
    await sleep(3);
  }
  const delivered = rpc.sent.slice(1).flat();
  assert.equal(
    new Set(delivered).size,
    PORTS_READY_BATCH * 3 + 1,
    'every port delivered, the failed ones too',
  );
  assert.equal(delivered.length, PORTS_READY_BATCH * 3 + 1, 'none twice');
  assert.equal(delivered.filter((id) => id === 'new-port').length, 1);
  await reporter.stop();
});
