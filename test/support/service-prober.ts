import { createSocket } from 'node:dgram';
import http from 'node:http';
import * as dnsPacket from 'dns-packet';

/**
 * DNS and metadata asked every `intervalMs` from inside an instance's namespace, counting what went
 * unanswered, for "never a gap" tests (DHCP has its own: dhcp-prober.ts). Run as
 *   node service-prober.js --run '{"dnsServer":"10.70.0.2","name":"host-10-70-0-50","intervalMs":100}'
 * Each tick sends one DNS A query (UDP, its own id) to `dnsServer`:53 and one HTTP GET to
 * http://169.254.169.254/ (the namespace needs a route to it, as the DHCP classless route gives an
 * instance); any DNS answer and any HTTP status count as answered (the metadata proxy answered), none
 * within `timeoutMs` is missed. On SIGTERM it stops, waits for the outstanding ones and prints one JSON line
 * `{dns: {sent, missed, maxLatencyMs}, metadata: {…}}`. Only with `--run`.
 */
interface ServiceProberRequest {
  readonly dnsServer: string;
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
}

/** What the prober prints per service when it ends. */
export interface ServiceCount {
  sent: number;
  missed: number;
  maxLatencyMs: number;
}

async function run(request: ServiceProberRequest): Promise<void> {
  const timeoutMs = request.timeoutMs ?? 1000;
  const dns: ServiceCount = { sent: 0, missed: 0, maxLatencyMs: 0 };
  const metadata: ServiceCount = { sent: 0, missed: 0, maxLatencyMs: 0 };
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const outstanding = new Map<number, number>();
  let inFlight = 0;
  let id = 0;
  socket.on('message', (bytes) => {
    const sentAt = outstanding.get(bytes.readUInt16BE(0));
    if (sentAt === undefined) return;
    outstanding.delete(bytes.readUInt16BE(0));
    dns.maxLatencyMs = Math.max(dns.maxLatencyMs, Date.now() - sentAt);
  });
  const sweep = (now: number): void => {
    for (const [key, sentAt] of outstanding) {
      if (now - sentAt < timeoutMs) continue;
      outstanding.delete(key);
      dns.missed++;
    }
  };
  const ask = setInterval(() => {
    const now = Date.now();
    sweep(now);
    id = (id + 1) & 0xffff;
    outstanding.set(id, now);
    dns.sent++;
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'A', name: request.name }],
    });
    socket.send(query, 53, request.dnsServer);
    metadata.sent++;
    inFlight++;
    const finished = (answered: boolean) => {
      inFlight--;
      if (answered) metadata.maxLatencyMs = Math.max(metadata.maxLatencyMs, Date.now() - now);
      else metadata.missed++;
    };
    const get = http.get(
      { host: '169.254.169.254', path: '/', timeout: timeoutMs, agent: false },
      (response) => {
        response.resume();
        response.once('end', () => finished(true));
      },
    );
    get.once('timeout', () => get.destroy(new Error('timeout')));
    get.once('error', () => finished(false));
  }, request.intervalMs);
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  process.once('SIGTERM', () => {
    clearInterval(ask);
    setTimeout(() => {
      sweep(Number.POSITIVE_INFINITY);
      metadata.missed += inFlight;
      process.stdout.write(`${JSON.stringify({ dns, metadata })}\n`);
      socket.close();
    }, timeoutMs + 100);
  });
}

const runIndex = process.argv.indexOf('--run');
if (runIndex !== -1) {
  run(JSON.parse(process.argv[runIndex + 1] ?? '{}') as ServiceProberRequest).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
