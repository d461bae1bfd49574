/**
 * A metadata hoarder, run inside a probe namespace (`ip netns exec PROBE node
 * dist/test/support/metadata-hoarder-main.js HOST PORT COUNT`): opens COUNT TCP connections to HOST:PORT, 32 at a
 * time, sends nothing on them and never reconnects — the instance of issue 17 item 6 that took every slot of
 * its network. Prints `{"attempted": N, "open": M}` once every attempt has settled, waits for a line on
 * stdin, prints `{"open": M}` again (how many the proxy left it) and closes them all.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';

const [host, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
if (host === undefined || !Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: metadata-hoarder-main.js HOST PORT COUNT\n');
  process.exit(2);
}

const open = new Set<net.Socket>();

function connect(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('error', () => undefined); // a reset by the proxy is expected
    socket.once('connect', () => {
      open.add(socket);
      resolve();
    });
    socket.once('close', () => {
      open.delete(socket);
      resolve();
    });
  });
}

let next = 0;
const worker = async () => {
  while (next < count) {
    next++;
    await connect();
  }
};
await Promise.all(Array.from({ length: Math.min(32, count) }, worker));
// Closes the proxy sent while the last ones connected arrive within a moment.
await new Promise((resolve) => setTimeout(resolve, 500));
process.stdout.write(`${JSON.stringify({ attempted: count, open: open.size })}\n`);
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()).once('close', () => resolve()));
lines.close();
process.stdout.write(`${JSON.stringify({ open: open.size })}\n`);
for (const socket of open) socket.destroy();
