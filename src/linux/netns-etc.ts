/**
 * Per-namespace configuration files as `ip netns exec` uses them (ip-netns(8)): before running a command
 * in namespace NAME it bind-mounts every file of `/etc/netns/NAME/` over the same name in `/etc`, so a
 * `/etc/netns/NAME/resolv.conf` is the namespace's resolver configuration. `ip netns del` leaves the
 * directory behind; whoever writes it removes it with the namespace.
 *
 * @module
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { QdhcpError } from '../common/errors.js';

const NETNS_ETC = '/etc/netns';

/** `/etc/netns/<namespace>`; refuses names that would leave that directory. */
export function netnsEtcDir(namespace: string): string {
  if (namespace === '' || namespace.includes('/') || namespace === '.' || namespace === '..')
    throw new QdhcpError('CONFIG_INVALID', { message: `namespace name ${JSON.stringify(namespace)}` });
  return join(NETNS_ETC, namespace);
}

/** Creates `/etc/netns/<namespace>/` and returns the path of its `resolv.conf` (written by the caller). */
export async function prepareNetnsResolvConf(namespace: string): Promise<string> {
  const dir = netnsEtcDir(namespace);
  await mkdir(dir, { recursive: true });
  return join(dir, 'resolv.conf');
}

/** Removes `/etc/netns/<namespace>/` and everything in it (nothing there is fine). */
export async function removeNetnsEtc(namespace: string): Promise<void> {
  await rm(netnsEtcDir(namespace), { recursive: true, force: true });
}
