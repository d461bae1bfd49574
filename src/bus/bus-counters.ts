/**
 * The counters behind {@link BusStats}, kept by each transport, and their Prometheus families (rendered by
 * common/metrics.ts).
 *
 * @module
 */
import { histogramFamily, labelText, scalarFamily } from '../common/metrics.js';
import type { BusStats } from './bus.js';

/** Upper bounds (seconds) of the request latency histogram. */
const LATENCY_BOUNDS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Mutable counters; `snapshot` gives the read-only view. */
export class BusCounters {
  connected = false;
  reconnects = 0;
  messagesIn = 0;
  messagesOut = 0;
  messagesInvalid = 0;
  publishFailures = 0;
  private requests = 0;
  private requestsFailed = 0;
  private readonly buckets = LATENCY_BOUNDS.map(() => 0);
  private latencySum = 0;

  constructor(private readonly transport: BusStats['transport']) {}

  /** Records one finished request of this process. */
  requestFinished(seconds: number, ok: boolean): void {
    this.requests++;
    if (!ok) this.requestsFailed++;
    this.latencySum += seconds;
    for (const [index, bound] of LATENCY_BOUNDS.entries()) if (seconds <= bound) this.buckets[index]!++;
  }

  snapshot(): BusStats {
    return {
      transport: this.transport,
      connected: this.connected,
      reconnects: this.reconnects,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      messagesInvalid: this.messagesInvalid,
      publishFailures: this.publishFailures,
      requests: {
        total: this.requests,
        failed: this.requestsFailed,
        latencyBuckets: LATENCY_BOUNDS.map((bound, index) => [bound, this.buckets[index]!] as const),
        latencySecondsSum: this.latencySum,
      },
    };
  }
}

/** The bus's metrics in the Prometheus text format (lines, no trailing newline). */
export function renderBusMetrics(stats: BusStats): string[] {
  const labels = labelText({ transport: stats.transport });
  const counter = (name: string, help: string, value: number) =>
    scalarFamily('counter', name, help, [[labels, value]]);
  return [
    ...scalarFamily('gauge', 'qdhcp_bus_connected', '1 while the bus is connected to its transport', [
      [labels, stats.connected ? 1 : 0],
    ]),
    ...counter('qdhcp_bus_reconnects_total', 'reconnects after a transport loss', stats.reconnects),
    ...counter(
      'qdhcp_bus_messages_in_total',
      'messages received (events, requests, replies)',
      stats.messagesIn,
    ),
    ...counter(
      'qdhcp_bus_messages_out_total',
      'messages sent (events, requests, replies)',
      stats.messagesOut,
    ),
    ...counter(
      'qdhcp_bus_messages_invalid_total',
      'received messages dropped: bad schema',
      stats.messagesInvalid,
    ),
    ...counter('qdhcp_bus_publish_failures_total', 'publishes the transport refused', stats.publishFailures),
    ...counter('qdhcp_bus_requests_failed_total', 'requests that failed or timed out', stats.requests.failed),
    ...histogramFamily('qdhcp_bus_request_seconds', 'request/reply latency of this process', [
      {
        labels,
        buckets: stats.requests.latencyBuckets,
        sum: stats.requests.latencySecondsSum,
        count: stats.requests.total,
      },
    ]),
  ];
}
