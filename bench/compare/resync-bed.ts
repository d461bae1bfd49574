import { AgentUnderTest } from '../agent/agent-under-test.js';
import { DiscoverProber } from '../agent/discover-prober.js';
import { describeTimeline, restartTimeline } from '../agent/restart-timeline.js';
import { macFor, type Progress } from '../agent/scenarios.js';
import type { Cleanup } from './cleanup.js';
import { rssMiB } from './machine.js';

export interface ResyncSettings {
  readonly networks: number;
  readonly portsPerNetwork: number;
  readonly cleanup: Cleanup;
  readonly progress: Progress;
}

export interface ResyncRun {
  /** Launch → the agent's "full resync done" log line. */
  readonly resyncLogS: number;
  /** Launch → every network answered a DISCOVER for one of its ports. */
  readonly allAnsweredS: number;
  /** The new process's start (its exec, /proc) → every network answered: issue 17's figure. */
  readonly allAnsweredFromStartS: number;
  /** The new process's CPU time (ms, all threads) when the last network answered. */
  readonly cpuMsAtLastAnswer: number;
  /** Where the restart's time went (restart-timeline.ts), for the progress log. */
  readonly timeline: string;
  /** VmRSS of all-in-one (API + agent) once every network answered. */
  readonly memoryMiB: number;
}

/** Networks created at once: the API's one SQLite writer is the limit, a few in flight hide the round trips. */
const CREATORS = 4;

/**
 * An all-in-one (builtin driver) state of `networks` networks × `portsPerNetwork` ports, built once by one
 * checkout and then shared: each run launches one side's build on it, as the restart after a kill -9 that
 * bench/agent's resync scenario times (launch, "full resync done", every network answering a DISCOVER on
 * its probe veth, memory), and kills it with -9 again. Old and new thus resync exactly the same database
 * and the same DHCP namespaces, and the networks are created once, not once per side (at 1,000 networks
 * that is minutes). This needs the two builds to agree on the state directory and the namespace layout,
 * which a refactoring that keeps behaviour does; a side that had to repair the other's leftovers would
 * show up here as a slower resync.
 */
export class ResyncBed {
  private constructor(
    private readonly agent: AgentUnderTest,
    private readonly probers: readonly DiscoverProber[],
    private readonly probeMacs: readonly string[],
  ) {}

  static async build(qdhcpDir: string, settings: ResyncSettings): Promise<ResyncBed> {
    const agent = await AgentUnderTest.start('builtin', { qdhcpDir, tag: 'cr' });
    settings.cleanup.prefix(agent.bed.namespacePrefix);
    // Until the bed exists, the agent itself is what an interrupt must stop.
    settings.cleanup.track(agent);
    const probers: DiscoverProber[] = [];
    try {
      const ids: string[] = [];
      const probeMacs: string[] = [];
      const macs = { next: 1 };
      let next = 0;
      const createOne = async (i: number): Promise<void> => {
        const network = await agent.create('/v2.0/networks', 'network', { name: `rs-${i}` });
        const id = String(network['id']);
        const third = `${100 + Math.floor(i / 250)}.${i % 250}`;
        await agent.create('/v2.0/subnets', 'subnet', {
          network_id: id,
          ip_version: 4,
          cidr: `10.${third}.0/24`,
          gateway_ip: `10.${third}.1`,
        });
        const portMacs = Array.from({ length: settings.portsPerNetwork }, () => macFor(macs.next++));
        await agent.createPorts(id, portMacs);
        ids[i] = id;
        probeMacs[i] = portMacs.at(-1) ?? '';
        if ((i + 1) % 200 === 0) settings.progress(`resync bed: ${i + 1} networks created`);
      };
      await Promise.all(
        Array.from({ length: CREATORS }, async () => {
          while (next < settings.networks) await createOne(next++);
        }),
      );
      await agent.waitServing(settings.networks, 20 * 60_000);
      const devices = await agent.plugClients(ids);
      for (const device of devices) probers.push(await DiscoverProber.open(agent.client.name, device));
      const bed = new ResyncBed(agent, probers, probeMacs);
      const answered = await bed.untilAllAnswered(100, 300_000);
      if (!Number.isFinite(answered)) throw new Error('resync bed: not every network answered after setup');
      await agent.kill();
      settings.progress(`resync bed ready: ${settings.networks} networks served; all-in-one killed (-9)`);
      settings.cleanup.track(bed);
      return bed;
    } catch (error) {
      for (const prober of probers) prober.close();
      await settings.cleanup.release(agent);
      throw error;
    } finally {
      // From here on the bed (which owns the agent) is what the cleanup tears down.
      settings.cleanup.forget(agent);
    }
  }

  /**
   * Restart with the build of `qdhcpDir` after the kill -9, timed; leaves it killed again. Probed from the
   * spawn on (in all-in-one the restored networks answer before the "agent started" line that launch waits
   * for); the process's CPU is read as the last network answers.
   */
  async run(qdhcpDir: string): Promise<ResyncRun> {
    // The restarted agent logs its loop delay (agent.loop_delay): the timeline's stalls come from it.
    process.env['QDHCP_LOOP_DELAY_LOG_MS'] ??= '100';
    const launched = performance.now();
    const starting = this.agent.launch(qdhcpDir);
    let pending = this.probers.length;
    let cpuMs: number | undefined;
    const answering = Promise.all(
      this.probers.map((prober, i) =>
        prober.untilOffer(this.probeMacs[i] ?? '', 50, 10 * 60_000).then((at) => {
          if (--pending === 0) cpuMs = this.agent.processClock()?.cpuMs;
          return at;
        }),
      ),
    );
    await starting;
    await this.agent.waitForResyncLog(10 * 60_000);
    const resyncLogS = (performance.now() - launched) / 1000;
    const last = Math.max(...(await answering).map((at) => at ?? Number.NaN));
    const startedAt = this.agent.processStartedAt;
    const fromStartS =
      startedAt === undefined ? Number.NaN : (Date.now() - (performance.now() - last) - startedAt) / 1000;
    // pino flushes within a second: the restore's and the sync's lines are in the log after that.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const timeline =
      startedAt === undefined ? '' : describeTimeline(restartTimeline(this.agent.log, startedAt), fromStartS);
    const memoryMiB = rssMiB(this.agent.pid);
    await this.agent.kill();
    return {
      resyncLogS,
      allAnsweredS: (last - launched) / 1000,
      allAnsweredFromStartS: fromStartS,
      cpuMsAtLastAnswer: cpuMs ?? Number.NaN,
      timeline,
      memoryMiB,
    };
  }

  /** performance.now() when the last network answered (NaN when one did not within `timeoutMs`). */
  private async untilAllAnswered(intervalMs: number, timeoutMs: number): Promise<number> {
    const answered = await Promise.all(
      this.probers.map((prober, i) => prober.untilOffer(this.probeMacs[i] ?? '', intervalMs, timeoutMs)),
    );
    return Math.max(...answered.map((at) => at ?? Number.NaN));
  }

  async teardown(): Promise<void> {
    for (const prober of this.probers) prober.close();
    await this.agent.teardown();
  }
}
