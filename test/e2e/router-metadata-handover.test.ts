/**
 * Issues 13 and 17: metadata through a router never goes unanswered across a planned restart. `qdhcp
 * server` + `qdhcp agent` over RabbitMQ with 3 routers (test/support/router-restart-bed.ts); an instance
 * behind one of them asks http://169.254.169.254/ every 100 ms (test/support/dns-metadata-prober.ts,
 * metadata only: a fresh connection each time, redirected in the `qrouter-` namespace to the agent's
 * listener on 9697). The agent is replaced twice — by `qdhcp agent --takeover`, then by SIGHUP (the agent
 * starts its successor itself) — and not one request may be refused or time out (1 s): the successor
 * adopts the router listeners it received instead of closing them and binding anew when its router sync
 * reaches each router (docs/agent.md "Restart and upgrade without a gap").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ServiceSummary } from '../support/dns-metadata-prober.js';
import { canUseNamespaces } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';
import { RouterRestartBed } from '../support/router-restart-bed.js';

const ROUTERS = 3;
const SERVICE_PROBER = fileURLToPath(new URL('../support/dns-metadata-prober.js', import.meta.url));
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

/** Whether `pid` is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The `agent.took_over` line's counts: sockets adopted, bound anew, received but closed unclaimed. */
function tookOverCounts(line: string): { opened: number; adopted: number; unclaimed: number } {
  const parsed = JSON.parse(line) as { opened: number; adopted: number; unclaimed: number };
  return { opened: parsed.opened, adopted: parsed.adopted, unclaimed: parsed.unclaimed };
}

describe('router metadata across a planned takeover (--takeover, then SIGHUP): no request unanswered', {
  skip,
}, () => {
  let bed: RouterRestartBed;
  /** The SIGHUP successor: not our child, stopped by its PID. */
  let orphanPid: number | undefined;
  let prober: ManagedProcess | undefined;

  before(async () => {
    bed = await RouterRestartBed.start('rmh');
  });
  after(async () => {
    await prober?.stop().catch(() => undefined);
    if (orphanPid !== undefined && alive(orphanPid)) {
      process.kill(orphanPid, 'SIGTERM');
      await until('successor stopped', () => !alive(orphanPid ?? 0), 15_000).catch(() => {
        if (orphanPid !== undefined && alive(orphanPid)) process.kill(orphanPid, 'SIGKILL');
      });
    }
    await bed?.teardown();
  });

  test('every metadata request through the router answered; the router listener adopted, not bound anew', {
    timeout: 240_000,
  }, async () => {
    const started = Date.now();
    await bed.addRouters(ROUTERS);
    await bed.built(60_000);
    const instance = await bed.addInstance(bed.routers[1]!, false);
    prober = bed.bed.sandbox.spawn(instance, 'router-metadata-prober', process.execPath, [
      SERVICE_PROBER,
      '--run',
      // Any HTTP status is an answer: the instance has no instance record, the proxy answers 404.
      JSON.stringify({ metadataUrl: 'http://169.254.169.254/', metadataAnyStatus: true, intervalMs: 100 }),
    ]);
    await prober.waitForOutput(/"started":true/, 10_000);
    // The listener answers before the takeovers start (else every miss below could be a slow start).
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const first = bed.agent!;
    bed.agent = await bed.startAgent(['--takeover']);
    const took = await bed.agent.process.waitForOutput(/\{[^\n]*"event":"agent\.took_over"[^\n]*\}/, 90_000);
    process.stdout.write(`# --takeover successor: ${took[0]}\n`);
    assert.ok(await first.process.waitForExit(20_000), `agent-1 exits:\n${first.process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const hungUp = bed.agent.process;
    hungUp.signal('SIGHUP');
    const spawned = await hungUp.waitForOutput(
      /"event":"agent\.successor_started","successor":(\d+)/,
      10_000,
    );
    orphanPid = Number(spawned[1]);
    // The successor writes to the same output: its took_over is the second one there.
    const second = await hungUp.waitForOutput(
      /"event":"agent\.took_over"[^\n]*\n(?:.*\n)*?(\{[^\n]*"event":"agent\.took_over"[^\n]*\})/,
      90_000,
    );
    const line = second[1] ?? '';
    process.stdout.write(`# SIGHUP successor: ${line}\n`);
    await until('the SIGHUPed agent exits', () => !alive(hungUp.pid ?? 0), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    prober.signal('SIGTERM');
    const result = await prober.waitForOutput(/\{"dns"[^\n]*\}/, 10_000);
    process.stdout.write(`# ${prober.label}: ${result[0]}\n`);
    const { metadata } = JSON.parse(result[0]) as { metadata: ServiceSummary };
    assert.ok(metadata.sent > 50, `asked: ${result[0]}`);
    assert.equal(metadata.missed, 0, `metadata through the router: ${result[0]}`);
    // One listener per router, adopted by each successor before it took over; none bound anew.
    for (const tookOver of [took[0], line]) {
      assert.equal(tookOverCounts(tookOver).adopted, ROUTERS, tookOver);
      assert.equal(tookOverCounts(tookOver).opened, 0, tookOver);
      assert.equal(tookOverCounts(tookOver).unclaimed, 0, tookOver);
    }
    process.stdout.write(`# router metadata handover e2e: ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
});
