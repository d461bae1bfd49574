/**
 * Runs in the bench's outside namespace (bench/routers/run.ts): sends a UDP datagram to HOST:PORT every
 * INTERVAL ms and, on the first reply, prints `first <Date.now()>` and exits 0 (`timeout` and exit 1 after
 * TIMEOUT ms). Wall-clock ms, because the bench process that reads it is another process.
 *
 * Each datagram leaves from a new socket (a new source port): the router's NAT decides once per conntrack
 * entry, so a flow that began before the association would stay un-NATed for good and measure conntrack's
 * timeout, not the agent (a stale entry is what `counter packets 5` showed in the prerouting chain while
 * 2,000 datagrams were sent). Sockets are closed 1 s after their send.
 *
 *   node udp-first-reply.js HOST PORT INTERVAL_MS TIMEOUT_MS
 */
import dgram from 'node:dgram';

const [host, portText, intervalText, timeoutText] = process.argv.slice(2);
const port = Number(portText);
const interval = Number(intervalText ?? '5');
const timeout = Number(timeoutText ?? '10000');
if (host === undefined || !Number.isInteger(port) || !(interval > 0) || !(timeout > 0)) {
  process.stderr.write('usage: udp-first-reply.js HOST PORT INTERVAL_MS TIMEOUT_MS\n');
  process.exit(2);
}

function sendOne(): void {
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => {
    process.stdout.write(`first ${Date.now()}\n`);
    process.exit(0);
  });
  // ICMP port unreachable may surface as a socket error: it is just "no answer yet".
  socket.on('error', () => undefined);
  socket.bind(0, () => socket.send('probe', port, host, () => undefined));
  setTimeout(() => socket.close(), 1000).unref();
}

setInterval(sendOne, interval);
process.stdout.write('ready\n');
setTimeout(() => {
  process.stdout.write('timeout\n');
  process.exit(1);
}, timeout).unref();
