/**
 * Where a restart after kill -9 spends its time (issue 17: "every network answers ≤ 2 s after the new
 * process starts"), read from the restarted all-in-one's JSON log lines, in seconds from the process's start
 * (`AgentUnderTest.processStartedAt`): when the agent began (node start and module loading before it), the
 * snapshot loaded, the first and last restored DHCP socket, the restore done, the server listening, the
 * startup sync done (and its phases), and the stalls of the event loop the agent's loop-delay log
 * (`QDHCP_LOOP_DELAY_LOG_MS`) saw, each with when it ended.
 */
export interface RestartTimeline {
  readonly agentStartS: number | undefined;
  readonly snapshotLoadedS: number | undefined;
  readonly firstDhcpS: number | undefined;
  readonly lastDhcpS: number | undefined;
  readonly restoredS: number | undefined;
  readonly serverListeningS: number | undefined;
  readonly syncDoneS: number | undefined;
  /** The `full resync done` line's phase fields (`ms`, `rpcMs`, …), as logged. */
  readonly syncPhases: string;
  /** Loop-delay windows whose longest delay was ≥ `stallMs`: when the window was logged, and that delay. */
  readonly stalls: readonly { readonly endS: number; readonly ms: number }[];
}

interface LogLine {
  readonly time?: string;
  readonly event?: string;
  readonly msg?: string;
  readonly adopted?: boolean;
  readonly ms?: number;
  readonly loadMs?: number;
  readonly maxMs?: number;
  readonly [field: string]: unknown;
}

function lines(log: string): LogLine[] {
  const parsed: LogLine[] = [];
  for (const text of log.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      parsed.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut at the kill, or not ours
    }
  }
  return parsed;
}

/** The timeline of the process that wrote `log` and started at `startedAtMs` (`Date.now()` clock). */
export function restartTimeline(log: string, startedAtMs: number, stallMs = 100): RestartTimeline {
  const all = lines(log);
  const at = (line: LogLine | undefined, minusMs = 0): number | undefined =>
    line?.time === undefined ? undefined : (Date.parse(line.time) - minusMs - startedAtMs) / 1000;
  const first = (test: (line: LogLine) => boolean) => all.find(test);
  const adopted = all.filter((line) => line.event === 'agent.network_enabled' && line.adopted === true);
  const restored = first((line) => line.event === 'agent.restored');
  const syncDone = first((line) => line.event === 'agent.resync_done');
  const phases =
    syncDone === undefined ? '' : (/"ms":\d+.*?(?=,"msg")/.exec(JSON.stringify(syncDone))?.[0] ?? '');
  return {
    agentStartS: at(first((line) => line.event === 'agent.starting')),
    // agent.restored's `ms` counts from the start of the load, `loadMs` is the load's part.
    snapshotLoadedS: at(restored, (restored?.ms ?? 0) - (restored?.loadMs ?? 0)),
    firstDhcpS: at(adopted[0]),
    lastDhcpS: at(adopted.at(-1)),
    restoredS: at(restored),
    serverListeningS: at(first((line) => line.msg === 'qdhcp server listening')),
    syncDoneS: at(syncDone),
    syncPhases: phases,
    stalls: all
      .filter((line) => line.event === 'agent.loop_delay' && (line.maxMs ?? 0) >= stallMs)
      .map((line) => ({ endS: at(line) ?? Number.NaN, ms: line.maxMs ?? 0 })),
  };
}

/** One line per measure for the bench's progress output. */
export function describeTimeline(timeline: RestartTimeline, lastAnswerS: number | undefined): string {
  const s = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));
  const stalls = timeline.stalls.map(({ endS, ms }) => `${ms.toFixed(0)} ms ending at ${s(endS)}`);
  return [
    `s from the process start: agent starting ${s(timeline.agentStartS)}, snapshot loaded ${s(timeline.snapshotLoadedS)}, ` +
      `restored DHCP sockets ${s(timeline.firstDhcpS)}–${s(timeline.lastDhcpS)}, every network answered ${s(lastAnswerS)}, ` +
      `restore done ${s(timeline.restoredS)}, server listening ${s(timeline.serverListeningS)}, ` +
      `startup sync done ${s(timeline.syncDoneS)} (${timeline.syncPhases})`,
    `agent event-loop stalls ≥ 100 ms (window max, s from the process start): ${stalls.length === 0 ? 'none' : stalls.join(', ')}`,
  ].join('\n');
}
