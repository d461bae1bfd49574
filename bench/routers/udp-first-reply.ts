/**
 * Runs in the bench's outside namespace (bench/routers/run.ts): sends a UDP datagram to HOST:PORT every
 * INTERVAL ms and, on the first reply, prints `first <Date.now()>` and exits 0 (`timeout` and exit 1 after
 * TIMEOUT ms). Wall-clock ms, because the bench process that reads it is another process.
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
const socket = dgram.createSocket('udp4');
let sender: NodeJS.Timeout | undefined;
socket.on('message', () => {
  process.stdout.write(`first ${Date.now()}\n`);
  clearInterval(sender);
  socket.close();
  process.exit(0);
});
// ICMP port unreachable etc. arrive as errors on a connected-less socket only on some kernels: ignore them.
socket.on('error', () => undefined);
socket.bind(0, () => {
  sender = setInterval(() => socket.send('probe', port, host, () => undefined), interval);
  process.stdout.write('ready\n');
  setTimeout(() => {
    process.stdout.write('timeout\n');
    process.exit(1);
  }, timeout).unref();
});
