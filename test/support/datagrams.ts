import type dgram from 'node:dgram';

/** The next datagram a socket receives, as text; rejects after 2 s (a test then fails, never hangs). */
export function nextMessage(socket: dgram.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram within 2 s')), 2000);
    socket.once('message', (message) => {
      clearTimeout(timer);
      resolve(message.toString());
    });
  });
}
