import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deriveDhcpConfig } from '../../src/agent/dhcp-config/derive.js';
import {
  dnsmasqArguments,
  dnsmasqPaths,
  renderAddnHostsFile,
  renderHostsFile,
  renderOptsFile,
} from '../../src/agent/dhcp-config/render.js';
import { DEFAULT_DHCP_SETTINGS } from '../../src/agent/settings.js';
import type { Namespace, Sandbox } from '../../test/support/netns.js';
import type { ManagedProcess } from '../../test/support/process.js';
import { benchNetwork } from './network.js';

export type ServerKind = 'builtin' | 'dnsmasq';

const HARNESS = fileURLToPath(new URL('./serve-builtin.js', import.meta.url));

/**
 * Starts one server for `hosts` hosts in `namespace`, answering on `device`, and returns once it listens.
 * - builtin: serve-builtin.ts (the agent's Dhcpv6Networks/ServedDhcpv6 over the addon's socket), under
 *   `node --cpu-prof` into `profileDir` when given;
 * - dnsmasq: the dnsmasq driver's files and command line for the same network (deriveDhcpConfig, render.ts:
 *   Neutron's `--dhcp-range=set:subnet-s6,fd00:77::,static,64,86400s`, `[addr]` host lines with `id:`),
 *   in the foreground (`-k`, as the driver runs it) and without DNS (`--port=0`: only DHCPv6 is measured).
 */
export async function startServer(
  kind: ServerKind,
  sandbox: Sandbox,
  namespace: Namespace,
  device: string,
  hosts: number,
  profileDir: string | undefined,
): Promise<ManagedProcess> {
  if (kind === 'builtin') {
    const node = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
    const args = [
      ...node,
      HARNESS,
      '--namespace',
      namespace.name,
      '--device',
      device,
      '--hosts',
      String(hosts),
    ];
    const server = sandbox.spawn(namespace, 'builtin6', process.execPath, [
      ...args,
      '--log',
      sandbox.path('builtin.log'),
    ]);
    await server.waitForOutput(/^ready hosts=\d+/m, 60_000);
    return server;
  }
  const { network, dhcpPort } = benchNetwork(hosts);
  const config = deriveDhcpConfig(network, { settings: DEFAULT_DHCP_SETTINGS, dhcpPort });
  const paths = dnsmasqPaths(sandbox.path('dnsmasq'));
  // dnsmasq reads its files as `nobody` (it drops root after opening the lease file and sockets).
  chmodSync(sandbox.workDir, 0o755);
  mkdirSync(paths.directory, { recursive: true, mode: 0o755 });
  writeFileSync(paths.hosts, renderHostsFile(config));
  writeFileSync(paths.addnHosts, renderAddnHostsFile(config));
  writeFileSync(paths.opts, renderOptsFile(config));
  writeFileSync(paths.leases, '');
  const args = dnsmasqArguments(config, paths, { dnsEnabled: false, foreground: true });
  const server = sandbox.spawn(namespace, 'dnsmasq6', '/usr/sbin/dnsmasq', args);
  const deadline = Date.now() + 30_000;
  // dnsmasq writes its pid file once its sockets are open and the files are read.
  while (!existsSync(paths.pid)) {
    if (server.exit !== undefined) throw new Error(`dnsmasq exited: ${server.stderr}`);
    if (Date.now() > deadline) throw new Error('dnsmasq did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}
