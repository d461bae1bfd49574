/**
 * Steering a UDP port's SO_REUSEPORT group to its newest member, so a process about to be killed gets no
 * more datagrams on that port (`native/netns/src/fd-passing.c`, `steerReuseportGroup`).
 *
 * Why: the dnsmasq driver replaces a dnsmasq instead of reloading it (the 2.90 reload crash, docs/agent.md),
 * the successor bound to port 67 beside the predecessor. A unicast renewal the kernel's hash gives the
 * predecessor in the moment before its socket closes was lost (0–1 of ~40 per run in
 * test/e2e/dnsmasq-reload-crash.test.ts). Steered first, the predecessor only has to read what is already
 * queued for it (the driver waits for that) before it goes.
 *
 * @module
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { steerReuseportGroup } from '@qdhcp/netns';

/** The inodes of the UDP sockets bound to `port` in the network namespace of `pid` (`/proc/PID/net/udp`). */
async function udpSocketInodes(pid: number, port: number): Promise<string[]> {
  const table = await readFile(`/proc/${pid}/net/udp`, 'utf8').catch(() => '');
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    if (columns[1]?.endsWith(local) && columns[9] !== undefined) inodes.push(columns[9]);
  }
  return inodes;
}

/** The descriptor of `pid` that is one of the sockets `inodes`, or undefined. */
async function descriptorOf(pid: number, inodes: readonly string[]): Promise<number | undefined> {
  const wanted = new Set(inodes.map((inode) => `socket:[${inode}]`));
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (wanted.has(target)) return Number(fd);
  }
  return undefined;
}

/**
 * Sends every further datagram of `port`'s reuseport group in `pid`'s namespace to the group's newest
 * member (the last to join is at index n − 1 while only older members have left, which holds for the two
 * members of a replacement). `pid` must own a socket of the group. Returns false, changing nothing, when
 * the group has fewer than two members or `pid` holds none of them; throws what the kernel refused.
 */
export async function steerToNewestMember(pid: number, port: number): Promise<boolean> {
  const inodes = await udpSocketInodes(pid, port);
  if (inodes.length < 2) return false;
  const fd = await descriptorOf(pid, inodes);
  if (fd === undefined) return false;
  steerReuseportGroup(pid, fd, inodes.length - 1);
  return true;
}
