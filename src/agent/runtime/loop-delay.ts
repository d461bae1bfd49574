import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../../common/logger.js';

/**
 * A debug aid (issue 17, docs/performance.md "restart after kill -9"): with `QDHCP_LOOP_DELAY_LOG_MS=N` set,
 * logs the event loop's delay every N ms (`agent.loop_delay`: max, p99 and mean in ms over the window), so
 * the log of a restart shows whether the loop that serves DHCP was held while networks waited for answers.
 * Off (no timer, no histogram) unless the variable is a positive number. Returns a stop function.
 */
export function startLoopDelayLog(logger: Logger, env: NodeJS.ProcessEnv = process.env): () => void {
  const windowMs = Number(env['QDHCP_LOOP_DELAY_LOG_MS'] ?? '');
  if (!Number.isFinite(windowMs) || windowMs <= 0) return () => undefined;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const toMs = (ns: number) => Math.round(ns / 1e5) / 10;
  const timer = setInterval(() => {
    logger.info(
      {
        event: 'agent.loop_delay',
        maxMs: toMs(histogram.max),
        p99Ms: toMs(histogram.percentile(99)),
        meanMs: toMs(histogram.mean),
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
