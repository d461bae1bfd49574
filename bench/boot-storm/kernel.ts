/**
 * What the boot-storm bench reads from the kernel around a storm (bench/boot-storm/run.ts): counters of the
 * DHCP and probe namespaces, frames delivered to each probe, and tcpdump's timestamps in the DHCP namespace.
 */

import { spawn } from 'node:child_process';
import { runCommand } from '../../src/linux/run-command.js';

/** Datagrams dropped for a full socket buffer (DHCP) and accept-queue overflows (metadata) in `namespace`. */
export async function kernelDrops(namespace: string | undefined) {
  if (namespace === undefined)
    return {
      udpRcvbuf: Number.NaN,
      listenOverflows: Number.NaN,
      listenDrops: Number.NaN,
      synRetrans: Number.NaN,
    };
  const field = (text: string, table: string, name: string) => {
    const [header, values] = text.split('\n').filter((line) => line.startsWith(`${table}:`));
    const index = header?.split(' ').indexOf(name) ?? -1;
    return Number(values?.split(' ')[index]);
  };
  const out = await runCommand('ip', [
    'netns',
    'exec',
    namespace,
    'cat',
    '/proc/net/snmp',
    '/proc/net/netstat',
  ]);
  return {
    udpRcvbuf: field(out.stdout, 'Udp', 'RcvbufErrors'),
    listenOverflows: field(out.stdout, 'TcpExt', 'ListenOverflows'),
    /** SYNs a listener dropped (overflows included), and SYN-ACKs sent again for lack of an ACK. */
    listenDrops: field(out.stdout, 'TcpExt', 'ListenDrops'),
    synRetrans: field(out.stdout, 'TcpExt', 'TCPSynRetrans'),
  };
}

/**
 * tcpdump in `namespace` (all devices) until the first packet matching `filter`: resolves once it listens;
 * `stop()` gives that packet's time (ns since the epoch), undefined when none came.
 */
export async function firstPacket(namespace: string | undefined, filter: string) {
  if (namespace === undefined) return { stop: async () => undefined };
  const tcpdump = spawn(
    'ip',
    ['netns', 'exec', namespace, 'tcpdump', '-i', 'any', '-nn', '-tt', '-l', '-c', '1', filter],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  tcpdump.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise((resolve) => tcpdump.on('exit', resolve));
  await tcpdumpListening(tcpdump);
  return {
    stop: async () => {
      if (tcpdump.exitCode === null) tcpdump.kill('SIGTERM');
      await exited;
      const seconds = /^(\d+)\.(\d{6})/.exec(out);
      return seconds === null
        ? undefined
        : BigInt(seconds[1] ?? '0') * 1_000_000_000n + BigInt(seconds[2] ?? '0') * 1000n;
    },
  };
}

/**
 * Frames each probe's eth0 received over the storm: the transmit count of its veth peer `bs<i>` on the
 * bridge's side (one `ip -s` listing). Replies broadcast to address-less clients reach every probe; unicast
 * ones only theirs (docs/dhcp-engine.md), so this is what tells the two apart.
 */
export async function probeFrames(hostNamespace: string, count: number): Promise<number[]> {
  const out = await runCommand('ip', ['-n', hostNamespace, '-s', '-j', 'link', 'show']);
  const byName = new Map<string, number>();
  for (const link of JSON.parse(out.stdout) as { ifname: string; stats64?: { tx?: { packets?: number } } }[])
    byName.set(link.ifname, link.stats64?.tx?.packets ?? 0);
  return Array.from({ length: count }, (_, i) => byName.get(`bs${i}`) ?? Number.NaN);
}

/**
 * The metadata proxy's own latency as the DHCP namespace's kernel sees it: for every connection to port 80,
 * the client's SYN → the proxy's first data segment (tcpdump's timestamps, so neither the guests' scheduling
 * nor curl's is in it). `stop()` gives the latencies in ms of the connections answered meanwhile. The
 * answer is the first segment from port 80 with PSH or FIN: the addon's fast path sends it with MSG_MORE and
 * closes, so it leaves as one data + FIN segment without PSH (native/netns/src/tcp-accept.h `REPLY_FLAGS`).
 */
export async function serverLatencies(namespace: string | undefined) {
  if (namespace === undefined) return { stop: async () => [] as number[] };
  const filter =
    'tcp port 80 and ((tcp[tcpflags] & (tcp-syn|tcp-ack)) == tcp-syn or (src port 80 and (tcp[tcpflags] & (tcp-push|tcp-fin)) != 0))';
  const tcpdump = spawn(
    'ip',
    ['netns', 'exec', namespace, 'tcpdump', '-i', 'any', '-nn', '-tt', '-l', filter],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const syn = new Map<string, number>();
  const latencies: number[] = [];
  let rest = '';
  tcpdump.stdout.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^(\d+\.\d+) .*IP (\S+) > (\S+): Flags \[([^\]]*)\]/.exec(line);
      if (match === null) continue;
      const [, time, from, to, flags] = match;
      const seconds = Number(time);
      // The first SYN of a connection: a retransmitted one (after 1 s, 3 s) must not hide the wait.
      if (flags === 'S') {
        if (!syn.has(from ?? '')) syn.set(from ?? '', seconds);
      } else {
        const started = syn.get((to ?? '').replace(/:$/, ''));
        if (started === undefined) continue;
        syn.delete((to ?? '').replace(/:$/, ''));
        latencies.push((seconds - started) * 1000);
      }
    }
  });
  const exited = new Promise((resolve) => tcpdump.on('exit', resolve));
  await tcpdumpListening(tcpdump);
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 500)); // tcpdump's last lines
      if (tcpdump.exitCode === null) tcpdump.kill('SIGTERM');
      await exited;
      return latencies.sort((a, b) => a - b);
    },
  };
}

/** Resolves once tcpdump says it is listening, or after 10 s (measured without it rather than not at all). */
function tcpdumpListening(tcpdump: { readonly stderr: NodeJS.ReadableStream }): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    tcpdump.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
