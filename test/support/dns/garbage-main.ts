import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { seededRandom } from '../seeded-random.js';
import { buildQuery, udpExchange, viewResponse } from './client.js';
import { mutate } from './mutate.js';

/**
 * Throws malformed DNS datagrams at a server, then asks it one real question: run inside a namespace
 * (`ip netns exec NS node dist/test/support/dns/garbage-main.js --server 10.0.0.2 --count 5000 --name N`).
 * Sends in bursts of 100 (waiting for each burst to leave), seeded by --seed. Prints one JSON line:
 * `{"sent":N,"answer":{rcode,answers}}` (answer null when the real question got no response).
 */
const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    port: { type: 'string', default: '53' },
    count: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '6' },
    name: { type: 'string', default: 'example.invalid' },
  },
});
if (values.server === undefined) throw new Error('--server ADDRESS is required');
const server = values.server;
const port = Number(values.port);
const random = seededRandom(Number(values.seed));
const seeds = [
  buildQuery(values.name, 'A', 1),
  buildQuery('1.0.0.10.in-addr.arpa', 'PTR', 2, { edns: 1232 }),
];
const socket = dgram.createSocket('udp4');
let sent = 0;
const total = Number(values.count);
while (sent < total) {
  const burst = Math.min(100, total - sent);
  await Promise.all(
    Array.from(
      { length: burst },
      (_, i) =>
        new Promise<void>((resolve) => {
          const packet = mutate(seeds[(sent + i) % seeds.length] ?? Buffer.alloc(0), random);
          socket.send(packet, port, server, () => resolve());
        }),
    ),
  );
  sent += burst;
}
socket.close();
// Let the server drain its queue before the real question.
await new Promise((resolve) => setTimeout(resolve, 200));
const reply = await udpExchange(server, port, buildQuery(values.name, 'A', 4242), 3000);
const view = reply === undefined ? undefined : viewResponse(reply);
process.stdout.write(
  `${JSON.stringify({ sent, answer: view === undefined ? null : { rcode: view.rcode, answers: view.answers } })}\n`,
);
