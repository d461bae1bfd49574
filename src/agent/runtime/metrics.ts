/**
 * The agent's Prometheus metrics, in the text exposition format (version 0.0.4). A tiny exporter of our
 * own rather than prom-client: the agent needs two histograms and a few counters, all rendered on scrape,
 * and adding a dependency (and its global default registry, which is module-level state) buys nothing here.
 *
 * @module
 */
import type { ReconcilerObserver, SyncScope } from '../reconciler/observer.js';

/** Buckets (seconds) for propagation latency and sync duration. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="x",b="y"}` from label pairs (empty string when none). */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A histogram with fixed buckets, one series per label set. */
export class Histogram {
  private readonly series = new Map<
    string,
    { labels: string; counts: number[]; sum: number; count: number }
  >();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Readonly<Record<string, string>>, value: number): void {
    const text = labelText(labels);
    let entry = this.series.get(text);
    if (entry === undefined) {
      entry = { labels: text, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(text, entry);
    }
    for (const [index, bound] of this.buckets.entries()) if (value <= bound) entry.counts[index]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const entry of this.series.values()) {
      const inner = entry.labels.slice(1, -1);
      const withLe = (le: string) => `{${inner === '' ? '' : `${inner},`}le="${le}"}`;
      for (const [index, bound] of this.buckets.entries())
        lines.push(`${this.name}_bucket${withLe(String(bound))} ${entry.counts[index]}`);
      lines.push(`${this.name}_bucket${withLe('+Inf')} ${entry.count}`);
      lines.push(`${this.name}_sum${entry.labels} ${entry.sum}`);
      lines.push(`${this.name}_count${entry.labels} ${entry.count}`);
    }
    return lines;
  }
}

/** A counter, one series per label set. */
export class Counter {
  private readonly series = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Readonly<Record<string, string>>, by = 1): void {
    const text = labelText(labels);
    this.series.set(text, (this.series.get(text) ?? 0) + by);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of this.series) lines.push(`${this.name}${labels} ${value}`);
    return lines;
  }
}

/**
 * The builtin driver's DNS counters (served-dns.ts: `dns.query.<TYPE>`, `dns.response.<RCODE>`,
 * `dns.<event>`) as three counter families.
 */
function dnsCounters() {
  const queries = new Counter('qdhcp_dns_queries_total', 'DNS queries, by network and type');
  const responses = new Counter('qdhcp_dns_responses_total', 'DNS responses, by network and rcode');
  const events = new Counter(
    'qdhcp_dns_events_total',
    'DNS forwarding, cache and drop events, by network and event',
  );
  return {
    add(network: string, what: string, value: number): void {
      if (what.startsWith('query.')) queries.inc({ network, type: what.slice(6) }, value);
      else if (what.startsWith('response.')) responses.inc({ network, rcode: what.slice(9) }, value);
      else events.inc({ network, event: what }, value);
    },
    render: (): string[] => [...queries.render(), ...responses.render(), ...events.render()],
  };
}

/** What the data plane shows at scrape time: per network, the driver's counters. */
export interface ServedSnapshot {
  /** Ports served but not yet reported with `dhcp.ports_ready` (a backlog after bulk creates). */
  readonly portsReadyPending?: number;
  readonly networks: ReadonlyArray<{
    readonly networkId: string;
    readonly state: string;
    readonly counters: Readonly<Record<string, number>>;
  }>;
}

/** The agent's metrics; it is also the reconciler's observer. */
export class AgentMetrics implements ReconcilerObserver {
  readonly eventsDropped = new Counter('qdhcp_agent_events_dropped_total', 'bus events dropped, by reason');
  readonly propagation = new Histogram(
    'qdhcp_agent_event_propagation_seconds',
    'from an event occurredAt to applied on the data plane',
  );
  readonly syncDuration = new Histogram(
    'qdhcp_agent_sync_duration_seconds',
    'resync duration, by scope and result',
  );

  eventDropped(reason: string): void {
    this.eventsDropped.inc({ reason });
  }

  eventApplied(resource: string, latencyMs: number): void {
    if (Number.isFinite(latencyMs)) this.propagation.observe({ resource }, Math.max(0, latencyMs) / 1000);
  }

  syncFinished(scope: SyncScope, seconds: number, ok: boolean): void {
    this.syncDuration.observe({ scope, result: ok ? 'ok' : 'failed' }, seconds);
  }

  /** The exposition text: agent metrics plus the data plane's per-network counters. */
  render(served: ServedSnapshot): string {
    const received = new Counter(
      'qdhcp_dhcp_messages_received_total',
      'DHCP messages received, by network and type',
    );
    const sent = new Counter('qdhcp_dhcp_messages_sent_total', 'DHCP messages sent, by network and type');
    const dropped = new Counter('qdhcp_dhcp_dropped_total', 'DHCP requests dropped, by network and reason');
    const metadata = new Counter(
      'qdhcp_metadata_requests_total',
      'metadata proxy requests, by network and HTTP status (bad_request: malformed HTTP)',
    );
    const dns = dnsCounters();
    const states = new Map<string, number>();
    for (const network of served.networks) {
      states.set(network.state, (states.get(network.state) ?? 0) + 1);
      for (const [key, value] of Object.entries(network.counters)) {
        const dot = key.indexOf('.');
        const kind = key.slice(0, dot);
        const what = key.slice(dot + 1);
        if (kind === 'received') received.inc({ network: network.networkId, type: what }, value);
        else if (kind === 'sent') sent.inc({ network: network.networkId, type: what }, value);
        else if (kind === 'dropped') dropped.inc({ network: network.networkId, reason: what }, value);
        else if (kind === 'metadata') metadata.inc({ network: network.networkId, status: what }, value);
        else if (kind === 'dns') dns.add(network.networkId, what, value);
      }
    }
    const lines = [
      '# HELP qdhcp_agent_networks networks held by the agent, by state',
      '# TYPE qdhcp_agent_networks gauge',
      ...['serving', 'idle', 'failed'].map(
        (state) => `qdhcp_agent_networks{state="${state}"} ${states.get(state) ?? 0}`,
      ),
      '# HELP qdhcp_agent_ports_ready_pending ports served but not yet reported ready to the server',
      '# TYPE qdhcp_agent_ports_ready_pending gauge',
      `qdhcp_agent_ports_ready_pending ${served.portsReadyPending ?? 0}`,
      ...received.render(),
      ...sent.render(),
      ...dropped.render(),
      ...metadata.render(),
      ...dns.render(),
      ...this.eventsDropped.render(),
      ...this.propagation.render(),
      ...this.syncDuration.render(),
    ];
    return `${lines.join('\n')}\n`;
  }
}
