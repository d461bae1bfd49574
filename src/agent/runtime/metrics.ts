/**
 * The agent's Prometheus metrics: its families (names, help, labels) and the data plane's per-network
 * counters mapped onto them, rendered through the one exposition renderer (common/metrics.ts).
 *
 * @module
 */
import { Counter, Histogram, labelText, scalarFamily } from '../../common/metrics.js';
import type { ReconcilerObserver, SyncScope } from '../reconciler/observer.js';

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
    const limited = new Counter(
      'qdhcp_metadata_limited_total',
      'metadata connections closed or refused and requests made to wait by a fair-share cap, by network and reason',
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
        else if (kind === 'metadata_limited')
          limited.inc({ network: network.networkId, reason: what }, value);
        else if (kind === 'dns') dns.add(network.networkId, what, value);
      }
    }
    const lines = [
      ...scalarFamily(
        'gauge',
        'qdhcp_agent_networks',
        'networks held by the agent, by state',
        ['serving', 'idle', 'failed'].map((state) => [labelText({ state }), states.get(state) ?? 0] as const),
      ),
      ...scalarFamily(
        'gauge',
        'qdhcp_agent_ports_ready_pending',
        'ports served but not yet reported ready to the server',
        [['', served.portsReadyPending ?? 0]],
      ),
      ...received.render(),
      ...sent.render(),
      ...dropped.render(),
      ...metadata.render(),
      ...limited.render(),
      ...dns.render(),
      ...this.eventsDropped.render(),
      ...this.propagation.render(),
      ...this.syncDuration.render(),
    ];
    return `${lines.join('\n')}\n`;
  }
}
