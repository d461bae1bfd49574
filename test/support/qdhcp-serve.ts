import { fileURLToPath } from 'node:url';
import type { Namespace, Sandbox } from './netns.js';
import type { ManagedProcess } from './process.js';

/** Absolute path of `bin/qdhcp` (this file runs from dist/test/support/). */
export const QDHCP_BIN = fileURLToPath(new URL('../../../bin/qdhcp', import.meta.url));

/** The dnsmasq binary used for parity tests. */
export const DNSMASQ_BIN = '/usr/sbin/dnsmasq';

/** Starts `qdhcp serve ARGS` inside `namespace` and waits until it logs that it is serving. */
export async function startQdhcpServe(
  sandbox: Sandbox,
  namespace: Namespace,
  args: readonly string[],
  label = 'qdhcp-serve',
): Promise<ManagedProcess> {
  const server = sandbox.spawn(namespace, label, QDHCP_BIN, ['serve', ...args]);
  await server.waitForOutput(/"event":"serve.started"/, 10_000);
  return server;
}

/** Writes a hosts line per host index the way the bench's gen-hosts.sh does (MAC fa:16:3e + r, IP 10.77.(1+r/256).(r%256)). */
export function benchHost(r: number): { mac: string; ip: string; name: string; line: string } {
  const hex = r.toString(16).padStart(6, '0');
  const mac = `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
  const a = 1 + Math.floor(r / 256);
  const b = r % 256;
  const name = `host-10-77-${a}-${b}`;
  const ip = `10.77.${a}.${b}`;
  return { mac, ip, name, line: `${mac},${name}.openstacklocal,${ip}` };
}

/** Polls `check` every 20 ms until it returns true, or throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
