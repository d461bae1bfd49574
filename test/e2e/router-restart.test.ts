/**
 * Issue 13: an agent restart does not stop forwarding. `qdhcp server` + `qdhcp agent` over RabbitMQ with 5
 * routers (test/support/router-restart-bed.ts); an instance behind one of them pings the outside through
 * SNAT every 100 ms and the outside pings its floating IP every 100 ms; the agent is `kill -9`ed and
 * started again. The routers' kernel state (namespaces, nftables tables) belongs to the kernel, not to the
 * process: no echo may go unanswered, no namespace or table is rebuilt (same inode, same handles), and the
 * new agent's startup sync converges all 5. bench/router-restart does the same with 200 routers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces } from '../support/netns.js';
import { RouterRestartBed, rebuilt } from '../support/router-restart-bed.js';

const ROUTERS = 5;
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('agent kill -9 and restart with 5 routers: forwarding never stops', { skip }, () => {
  let bed: RouterRestartBed;

  before(async () => {
    bed = await RouterRestartBed.start('rrs');
  });
  after(async () => {
    await bed?.teardown();
  });

  test('no echo lost through SNAT or to the floating IP; nothing rebuilt; all routers converged', {
    timeout: 120_000,
  }, async () => {
    const started = Date.now();
    await bed.addRouters(ROUTERS);
    await bed.built(60_000);
    await bed.addInstance(bed.routers[2]!, true);
    const pings = await bed.startPings(10, 30_000);
    const before = await bed.identities();

    const killed = bed.agent!;
    killed.process.signal('SIGKILL');
    assert.ok(await killed.process.waitForExit(10_000), 'the killed agent is gone');
    bed.agent = await bed.startAgent([]);
    const convergence = await bed.converged(bed.agent, ROUTERS, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const seen = await bed.stopPings(pings);
    const changed = rebuilt(before, await bed.identities());

    process.stdout.write(
      `# restart after kill -9: converged ${ROUTERS} routers in ${convergence.ms} ms, agent CPU ${convergence.cpuMs} ms; ${JSON.stringify(seen)}; rebuilt ${JSON.stringify(changed)}\n`,
    );
    for (const { label, summary } of seen) {
      assert.ok(summary.sent >= 20, `${label}: ${JSON.stringify(summary)}`);
      assert.equal(summary.lost, 0, `${label}: ${JSON.stringify(summary)}`);
      // One interval is 100 ms; a loaded machine delays a ping or its answer, never by a second.
      assert.ok(summary.longestGapMs < 1000, `${label}: ${JSON.stringify(summary)}`);
    }
    assert.deepEqual(changed, { namespaces: 0, tables: 0 });
    process.stdout.write(`# router restart e2e: ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
});
