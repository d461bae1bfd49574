import { createSocket } from 'node:dgram';
import { decodeMessage, encodeMessage } from '../../src/dhcp/index.js';
import type { DhcpMessage } from '../../src/dhcp/types.js';
import { buildRequest } from '../../src/dhcp-server/testing/requests.js';

/**
 * A DHCP client that asks every `intervalMs` and counts what went unanswered, for "never a gap" tests. Run
 * inside a client namespace whose `eth0` holds the client's leased address:
 *   node dhcp-prober.js --run '{"mac":"…","ip":"10.86.0.50","server":"10.86.0.2","broadcast":"10.86.0.255",
 *   "intervalMs":100}'
 * It alternates a broadcast DISCOVER and a renewal (REQUEST with ciaddr): unicast to the server (RFC 2131
 * §4.3.2 RENEWING), or with `renewal: 'rebinding'` to the broadcast address, for any server (REBINDING:
 * what a client does when its server went away, e.g. a network moved to another agent), each with its own xid; a request with no reply within `timeoutMs` is missed.
 * On SIGTERM it stops asking, waits for the outstanding ones and prints one JSON line:
 * `{sent, answered, missed, missedAt: [ms since start], maxLatencyMs, late, longestGapMs}`. With `giveUpMs`
 * (bench/handover/) a request unanswered after `timeoutMs` is only late, and missed once `giveUpMs` passed
 * unanswered. Only with `--run`, so the test runner can load this file harmlessly.
 */
export interface ProberRequest {
  readonly mac: string;
  /** The client's address (on its eth0): the renewal's ciaddr. */
  readonly ip: string;
  /** The DHCP server's address: where renewals go. */
  readonly server: string;
  /** Where DISCOVERs go: the subnet's broadcast address (a client namespace has no route for 255.255.255.255). */
  readonly broadcast: string;
  readonly intervalMs: number;
  /** How renewals go: unicast to `server` (default `renewing`) or broadcast to any server (`rebinding`). */
  readonly renewal?: 'renewing' | 'rebinding';
  /** A request unanswered this long is missed (default 1000 ms), or only late with a longer `giveUpMs`. */
  readonly timeoutMs?: number;
  /** A request unanswered this long is missed (default `timeoutMs`); answered before: late, not missed. */
  readonly giveUpMs?: number;
}

/** What the prober prints when it ends. */
export interface ProberSummary {
  readonly sent: number;
  readonly answered: number;
  readonly missed: number;
  readonly missedAt: readonly number[];
  /** The message type of each missed request (`DISCOVER` broadcast or `REQUEST` unicast renewal). */
  readonly missedTypes: readonly string[];
  readonly maxLatencyMs: number;
  /** Answered, but after `timeoutMs` (only with `giveUpMs` > `timeoutMs`, or an answer just past it). */
  readonly late: number;
  /** When each late request was sent, ms since start. */
  readonly lateAt: readonly number[];
  /** The longest time between two answers (arrivals), ms: how long the server looked gone. */
  readonly longestGapMs: number;
}

/** A DISCOVER (broadcast) or a renewing REQUEST (unicast, ciaddr = the lease) for the prober's MAC. */
function message(request: ProberRequest, xid: number, renew: boolean): DhcpMessage {
  return buildRequest({
    type: renew ? 'REQUEST' : 'DISCOVER',
    mac: request.mac,
    xid,
    broadcast: !renew,
    ...(renew && { ciaddr: request.ip }),
    parameterRequestList: [1, 3, 6, 12, 15, 28],
  });
}

async function run(request: ProberRequest): Promise<void> {
  const timeoutMs = request.timeoutMs ?? 1000;
  const giveUpMs = Math.max(timeoutMs, request.giveUpMs ?? timeoutMs);
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(68, '0.0.0.0', resolve));
  socket.setBroadcast(true);
  const started = Date.now();
  const outstanding = new Map<number, number>();
  const kinds = new Map<number, string>();
  const missedAt: number[] = [];
  const missedTypes: string[] = [];
  let sent = 0;
  let answered = 0;
  let maxLatencyMs = 0;
  const lateAt: number[] = [];
  let lastAnswerAt: number | undefined;
  let longestGapMs = 0;
  let xid = (Math.random() * 0x7fffffff) >>> 0;
  socket.on('message', (bytes) => {
    const reply = decodeMessage(bytes);
    const sentAt = outstanding.get(reply.transactionId);
    if (sentAt === undefined) return;
    outstanding.delete(reply.transactionId);
    kinds.delete(reply.transactionId);
    answered++;
    const now = Date.now();
    maxLatencyMs = Math.max(maxLatencyMs, now - sentAt);
    if (now - sentAt > timeoutMs) lateAt.push(sentAt - started);
    if (lastAnswerAt !== undefined) longestGapMs = Math.max(longestGapMs, now - lastAnswerAt);
    lastAnswerAt = now;
  });
  const sweep = (now: number): void => {
    for (const [id, sentAt] of outstanding) {
      if (now - sentAt < giveUpMs) continue;
      outstanding.delete(id);
      missedAt.push(sentAt - started);
      missedTypes.push(kinds.get(id) ?? '?');
    }
  };
  const ask = setInterval(() => {
    const now = Date.now();
    sweep(now);
    xid = (xid + 1) >>> 0;
    const renew = sent % 2 === 1;
    outstanding.set(xid, now);
    kinds.set(xid, renew ? 'REQUEST' : 'DISCOVER');
    sent++;
    const bytes = encodeMessage(message(request, xid, renew));
    const unicast = renew && request.renewal !== 'rebinding';
    socket.send(bytes, 67, unicast ? request.server : request.broadcast);
  }, request.intervalMs);
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  process.once('SIGTERM', () => {
    clearInterval(ask);
    setTimeout(() => {
      sweep(Number.POSITIVE_INFINITY);
      const missed = missedAt.length;
      const summary: ProberSummary = {
        ...{ sent, answered, missed, missedAt, missedTypes, maxLatencyMs, late: lateAt.length, lateAt },
        longestGapMs,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      socket.close();
    }, giveUpMs);
  });
}

const runIndex = process.argv.indexOf('--run');
if (runIndex !== -1) {
  run(JSON.parse(process.argv[runIndex + 1] ?? '{}') as ProberRequest).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
