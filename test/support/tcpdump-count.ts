import { spawn } from 'node:child_process';

/**
 * Frames `device` in `namespace` sees matching the tcpdump `filter` while `send` runs: tcpdump is started
 * first and `send` waits for its "listening" line (a fixed sleep missed packets on a loaded machine), then
 * 500 ms more frames are counted. Used by the L2 protection tests (a spoofed frame that arrives is > 0).
 */
export async function countFramesSeen(
  namespace: string,
  device: string,
  filter: string,
  send: () => Promise<void>,
): Promise<number> {
  const tcpdump = spawn(
    'ip',
    ['netns', 'exec', namespace, 'tcpdump', '-i', device, '-nn', '-e', '-l', filter],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  tcpdump.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise((resolve) => tcpdump.on('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tcpdump did not start')), 10_000);
      tcpdump.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await send();
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    tcpdump.kill('SIGTERM');
    await exited;
  }
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

/**
 * What a bystander on the link heard while `send` ran: DHCP requests (to port 67: the client's broadcasts,
 * the proof that it listens on the same link) and DHCP replies (to port 68: none when they are unicast to
 * the client's MAC). A test asserting no reply asserts requests > 0 too, or it could pass on a deaf bystander.
 */
export async function dhcpFramesSeen(
  namespace: string,
  device: string,
  send: () => Promise<void>,
): Promise<{ readonly requests: number; readonly replies: number }> {
  let replies = 0;
  const requests = await countFramesSeen(namespace, device, 'udp dst port 67', async () => {
    replies = await countFramesSeen(namespace, device, 'udp dst port 68', send);
  });
  return { requests, replies };
}
