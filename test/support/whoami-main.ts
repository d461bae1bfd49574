/**
 * "Who is asking", for routing and NAT tests, run inside a test namespace with `ip netns exec NS node
 * dist/test/support/whoami-main.js …`:
 *   serve PORT                     TCP and UDP on 0.0.0.0:PORT; answers every connection/datagram with the
 *                                  peer's `address:port` and prints `listening` once both are bound
 *   ask tcp|udp HOST PORT [LOCAL]  one question (UDP from local port LOCAL if given); prints the answer,
 *                                  or exits 1 after 1.5 s without one
 * The answer is the source address the server saw: the router's SNAT address, a floating IP or the fixed one.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, ...rest] = process.argv.slice(2);

function usage(): never {
  process.stderr.write('usage: whoami-main.js serve PORT | ask tcp|udp HOST PORT [LOCAL_PORT]\n');
  process.exit(2);
}

if (mode === 'serve') {
  const port = Number(rest[0]);
  if (!Number.isInteger(port)) usage();
  let bound = 0;
  const ready = () => {
    bound++;
    if (bound === 2) process.stdout.write('listening\n');
  };
  net
    .createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${socket.remoteAddress}:${socket.remotePort}\n`);
    })
    .listen(port, '0.0.0.0', ready);
  const udp = dgram.createSocket('udp4');
  udp.on('message', (_message, from) => udp.send(`${from.address}:${from.port}\n`, from.port, from.address));
  udp.bind(port, '0.0.0.0', ready);
} else if (mode === 'ask') {
  const [kind, host, portText, localText] = rest;
  const port = Number(portText);
  if ((kind !== 'tcp' && kind !== 'udp') || host === undefined || !Number.isInteger(port)) usage();
  const timer = setTimeout(() => process.exit(1), 1500);
  const answer = (text: string) => {
    clearTimeout(timer);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    process.exit(0);
  };
  if (kind === 'tcp') {
    const socket = net.connect({ host, port });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('end', () => answer(text));
    socket.on('error', () => process.exit(1));
  } else {
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (message) => answer(message.toString()));
    udp.bind(localText === undefined ? 0 : Number(localText), () => udp.send('who?', port, host));
  }
} else usage();
