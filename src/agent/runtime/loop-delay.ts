import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../../common/logger.js';

/**
 * A debug aid (issue 17, docs/performance.md "restart after kill -9"): with `QDHCP_LOOP_DELAY_LOG_MS=N` set,
 * logs the event loop's delay every N ms (`agent.loop_delay`: max, p99 and mean in ms over the window), so
 * the log of a restart shows whether the loop that serves DHCP was held while networks waited for answers.
 * `cpuMs` is the process's CPU time in the window: a long delay with as much CPU is work that held the
 * loop, with little CPU the process was not scheduled (a loaded machine; issue 14's slow samples).
 * Off (no timer, no histogram) unless the variable is a positive number. Returns a stop function.
 */
export function startLoopDelayLog(logger: Logger, env: NodeJS.ProcessEnv = process.env): () => void {
  const windowMs = Number(env['QDHCP_LOOP_DELAY_LOG_MS'] ?? '');
  if (!Number.isFinite(windowMs) || windowMs <= 0) return () => undefined;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const toMs = (ns: number) => Math.round(ns / 1e5) / 10;
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    logger.info(
      {
        event: 'agent.loop_delay',
        maxMs: toMs(histogram.max),
        p99Ms: toMs(histogram.percentile(99)),
        meanMs: toMs(histogram.mean),
        cpuMs: Math.round((used.user + used.system) / 1000),
      },
      'event loop delay',
    );
    histogram.reset();
  }, windowMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
