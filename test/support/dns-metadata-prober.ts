import dgram from 'node:dgram';
import http from 'node:http';
import { buildQuery, viewResponse } from './dns/client.js';

/**
 * The DNS and metadata half of a "never a gap" probe (the DHCP half is test/support/dhcp-prober.ts): run
 * inside an instance's probe namespace, every `intervalMs` it sends one DNS query (UDP, `name` A, to
 * `dnsServer`:53) and one metadata GET (`metadataUrl`, a fresh connection each time), and counts what went
 * unanswered within `timeoutMs`. A DNS answer must be NOERROR with an A record, a metadata answer a 200:
 * anything else counts as missed too.
 *   node dns-metadata-prober.js --run '{"dnsServer":"10.87.0.2","name":"host-10-87-0-5.example.org",
 *   "metadataUrl":"http://169.254.169.254/latest/meta-data/instance-id","intervalMs":100}'
 * It prints `{"started":true}`, and on SIGTERM stops asking, waits for the outstanding ones and prints one
 * JSON line `{"dns": ServiceSummary, "metadata": ServiceSummary}`. Only with `--run`, so the test runner can
 * load this file harmlessly.
 */
interface DnsMetadataProberRequest {
  /** Absent: metadata only (an instance behind a router, test/e2e/router-metadata-handover.test.ts). */
  readonly dnsServer?: string;
  readonly name?: string;
  readonly metadataUrl: string;
  /**
   * Any HTTP status counts as answered (the proxy is there), not only a 200: for instances without an
   * instance record, whose metadata the proxy answers 404 (test/e2e/agent-handover.test.ts).
   */
  readonly metadataAnyStatus?: boolean;
  readonly intervalMs: number;
  /** A request unanswered this long is missed (default 1000 ms), or only late with a longer `giveUpMs`. */
  readonly timeoutMs?: number;
  /** A request unanswered this long is missed (default `timeoutMs`); answered before: late (bench/handover/). */
  readonly giveUpMs?: number;
}

/** What one service got, over the prober's whole run. */
export interface ServiceSummary {
  readonly sent: number;
  readonly answered: number;
  readonly missed: number;
  /** When each missed request was sent, in ms since start, and why it counts as missed. */
  readonly missedAt: readonly { readonly atMs: number; readonly reason: string }[];
  readonly maxLatencyMs: number;
  /** Answered, but after `timeoutMs` (only with `giveUpMs` > `timeoutMs`, or an answer just past it). */
  readonly late: number;
  /** When each late request was sent, ms since start. */
  readonly lateAt: readonly number[];
  /** The longest time between two answers (arrivals), ms: how long the service looked gone. */
  readonly longestGapMs: number;
}

/** Requests of one service in flight, and the tally. */
class Tally {
  sent = 0;
  answered = 0;
  maxLatencyMs = 0;
  readonly lateAt: number[] = [];
  longestGapMs = 0;
  #lastAnswerAt: number | undefined;
  readonly missedAt: { atMs: number; reason: string }[] = [];
  readonly #outstanding = new Map<number, number>();

  constructor(
    private readonly started: number,
    private readonly timeoutMs: number,
    private readonly giveUpMs: number,
  ) {}

  send(id: number, now: number): void {
    this.sent++;
    this.#outstanding.set(id, now);
  }

  /** An answer (`reason` undefined) or a failure for request `id`; late or unknown ids are ignored. */
  settle(id: number, reason?: string): void {
    const sentAt = this.#outstanding.get(id);
    if (sentAt === undefined) return;
    this.#outstanding.delete(id);
    if (reason !== undefined) {
      this.missedAt.push({ atMs: sentAt - this.started, reason });
      return;
    }
    this.answered++;
    const now = Date.now();
    this.maxLatencyMs = Math.max(this.maxLatencyMs, now - sentAt);
    if (now - sentAt > this.timeoutMs) this.lateAt.push(sentAt - this.started);
    if (this.#lastAnswerAt !== undefined)
      this.longestGapMs = Math.max(this.longestGapMs, now - this.#lastAnswerAt);
    this.#lastAnswerAt = now;
  }

  sweep(now: number): void {
    for (const [id, sentAt] of this.#outstanding) {
      if (now - sentAt >= this.giveUpMs) this.settle(id, 'timeout');
    }
  }

  summary(): ServiceSummary {
    const { sent, answered, missedAt, maxLatencyMs, lateAt, longestGapMs } = this;
    const missed = missedAt.length;
    return { sent, answered, missed, missedAt, maxLatencyMs, late: lateAt.length, lateAt, longestGapMs };
  }
}

function getMetadata(
  url: string,
  anyStatus: boolean,
  timeoutMs: number,
  done: (reason?: string) => void,
): void {
  const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
    response.resume();
    const answered = anyStatus || response.statusCode === 200;
    response.on('end', () => done(answered ? undefined : `HTTP ${response.statusCode}`));
    response.on('error', (error) => done(error.message));
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', (error) => done(error.message));
}

async function run(request: DnsMetadataProberRequest): Promise<void> {
  const timeoutMs = request.timeoutMs ?? 1000;
  const giveUpMs = Math.max(timeoutMs, request.giveUpMs ?? timeoutMs);
  const started = Date.now();
  const dns = new Tally(started, timeoutMs, giveUpMs);
  const metadata = new Tally(started, timeoutMs, giveUpMs);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  socket.on('message', (bytes) => {
    const response = viewResponse(bytes);
    const ok = response.rcode === 'NOERROR' && response.answers.some((a) => a.type === 'A');
    dns.settle(response.id, ok ? undefined : `rcode ${response.rcode}, ${response.answers.length} answers`);
  });
  let id = 0;
  const ask = setInterval(() => {
    const now = Date.now();
    dns.sweep(now);
    metadata.sweep(now);
    id = (id + 1) & 0xffff;
    const sent = id;
    if (request.dnsServer !== undefined) {
      dns.send(sent, now);
      socket.send(buildQuery(request.name ?? '', 'A', sent), 53, request.dnsServer);
    }
    metadata.send(sent, now);
    getMetadata(request.metadataUrl, request.metadataAnyStatus === true, giveUpMs, (reason) =>
      metadata.settle(sent, reason),
    );
  }, request.intervalMs);
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  process.once('SIGTERM', () => {
    clearInterval(ask);
    setTimeout(() => {
      dns.sweep(Number.POSITIVE_INFINITY);
      metadata.sweep(Number.POSITIVE_INFINITY);
      process.stdout.write(`${JSON.stringify({ dns: dns.summary(), metadata: metadata.summary() })}\n`);
      socket.close();
    }, giveUpMs);
  });
}

const runIndex = process.argv.indexOf('--run');
if (runIndex !== -1) {
  run(JSON.parse(process.argv[runIndex + 1] ?? '{}') as DnsMetadataProberRequest).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
