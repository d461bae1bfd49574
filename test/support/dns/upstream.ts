import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

/**
 * A tiny upstream resolver for tests, written directly on `dns-packet` (not on src/dns, so it is an
 * independent peer). It knows a fixed set of names:
 *
 * - `*.fwd.test` A → 192.0.2.<n> (n = query count of that name), TTL 300 (or `ttl<N>.fwd.test` → TTL N);
 * - `nx.fwd.test` and anything else under `fwd.test` unknown → NXDOMAIN with an SOA (TTL 60, minimum 30);
 * - `big.fwd.test` A → 120 addresses: too big for UDP, so over UDP it answers TC and empty;
 * - `servfail.fwd.test` → SERVFAIL; `silent.fwd.test` → never answered (timeouts);
 * - anything else → REFUSED.
 *
 * Every query is counted per name and reported to `onQuery`.
 */
export interface TestUpstream {
  readonly port: number;
  readonly queries: Map<string, number>;
  close(): Promise<void>;
}

type Packet = dnsPacket.Packet;

function answer(query: dnsPacket.DecodedPacket, transport: 'udp' | 'tcp', count: number): Packet | undefined {
  const question = query.questions?.[0];
  const base: Packet = {
    id: query.id,
    type: 'response',
    flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED,
    questions: query.questions ?? [],
  };
  if (question === undefined) return { ...base, flags: 1 };
  const name = question.name.toLowerCase();
  const soa: dnsPacket.Answer = {
    name: 'fwd.test',
    type: 'SOA',
    ttl: 60,
    data: {
      mname: 'ns.fwd.test',
      rname: 'root.fwd.test',
      serial: 1,
      refresh: 60,
      retry: 60,
      expire: 600,
      minimum: 30,
    },
  };
  if (name === 'silent.fwd.test') return undefined;
  if (name === 'servfail.fwd.test') return { ...base, flags: (base.flags ?? 0) | 2 };
  if (!name.endsWith('fwd.test')) return { ...base, flags: (base.flags ?? 0) | 5 };
  if (name === 'big.fwd.test' && question.type === 'A') {
    if (transport === 'udp') return { ...base, flags: (base.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE };
    const answers: dnsPacket.Answer[] = [];
    for (let i = 1; i <= 120; i++)
      answers.push({ name: question.name, type: 'A', ttl: 300, data: `198.51.100.${i}` });
    return { ...base, answers };
  }
  const ttlMatch = /^ttl(\d+)\.fwd\.test$/.exec(name);
  if ((name.startsWith('a') || ttlMatch !== null) && question.type === 'A') {
    const ttl = ttlMatch === null ? 300 : Number(ttlMatch[1]);
    return { ...base, answers: [{ name: question.name, type: 'A', ttl, data: `192.0.2.${count % 250}` }] };
  }
  return { ...base, flags: (base.flags ?? 0) | 3, authorities: [soa] };
}

/** Starts the upstream on `host` (UDP and TCP, same port; 0 = any free port). */
export async function startTestUpstream(
  host: string,
  port = 0,
  onQuery?: (line: string) => void,
): Promise<TestUpstream> {
  // With port 0 the kernel picks the UDP port; TCP must take the same number, which an outgoing connection
  // may hold as its ephemeral port (seen in CI: EADDRINUSE, and the UDP socket left open kept the test
  // process alive for good). Try another pick, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestUpstreamOnce(host, port, onQuery);
    } catch (error) {
      if (port !== 0 || attempt >= 10 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

async function startTestUpstreamOnce(
  host: string,
  port: number,
  onQuery: ((line: string) => void) | undefined,
): Promise<TestUpstream> {
  const queries = new Map<string, number>();
  const count = (query: dnsPacket.DecodedPacket, transport: string): number => {
    const name = query.questions?.[0]?.name.toLowerCase() ?? '';
    const n = (queries.get(name) ?? 0) + 1;
    queries.set(name, n);
    onQuery?.(`query ${name} ${query.questions?.[0]?.type ?? '-'} ${transport}`);
    return n;
  };
  const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  udp.on('message', (bytes, rinfo) => {
    try {
      const query = dnsPacket.decode(bytes);
      const response = answer(query, 'udp', count(query, 'udp'));
      if (response !== undefined) udp.send(dnsPacket.encode(response), rinfo.port, rinfo.address);
    } catch {
      // garbage: ignore
    }
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => resolve());
  });
  const boundPort = udp.address().port;
  const tcp = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        const bytes = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        try {
          const query = dnsPacket.decode(bytes);
          const response = answer(query, 'tcp', count(query, 'tcp'));
          if (response !== undefined) socket.write(dnsPacket.streamEncode(response));
        } catch {
          socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (error) => {
      udp.close();
      reject(error);
    });
    tcp.listen(boundPort, host, () => resolve());
  });
  return {
    port: boundPort,
    queries,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
