import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Namespace, Sandbox } from '../../test/support/netns.js';
import { benchHost } from '../../test/support/qdhcp-serve.js';
import type { Cleanup } from './cleanup.js';
import { type DoraCost, type DoraLoad, doraCost, perfdhcp } from './perfdhcp.js';
import { serverClientPair } from './server-client-pair.js';

export interface ServeDhcpSettings extends DoraLoad {
  readonly cleanup: Cleanup;
}

const SERVER_ADDRESS = '10.77.0.1';
const CLIENT_ADDRESS = '10.77.0.2';

/**
 * `qdhcp serve` of the checkout `qdhcpDir`, started with the Neutron dnsmasq command line of the DHCP
 * benchmark (bench/dhcp/run.sh: the anchor's hosts and opts files, one log line per reply to a file), in a
 * server namespace joined by a veth to a client namespace. perfdhcp warms it up (JIT, a lease for every
 * host), then fixed-rate windows measure the server's CPU per DORA: a rate well under what either side
 * sustains, so the figure is cost per exchange, not a saturation point.
 */
export async function serveDoraCost(qdhcpDir: string, settings: ServeDhcpSettings): Promise<DoraCost> {
  const sandbox = new Sandbox('cs');
  settings.cleanup.prefix(sandbox.prefix);
  settings.cleanup.track(sandbox);
  try {
    const { server, client, serverDevice, clientDevice } = await serverClientPair(
      sandbox,
      [`${SERVER_ADDRESS}/16`],
      [`${CLIENT_ADDRESS}/16`],
    );
    const files = writeServerFiles(sandbox, settings.clients);
    const serve = sandbox.spawn(server, 'qdhcp-serve', join(qdhcpDir, 'bin', 'qdhcp'), [
      'serve',
      ...servingArgs(serverDevice, files),
    ]);
    await waitForStart(files.log, () => serve.exit !== undefined, serve.stderr);
    await warmUp(client, clientDevice, settings);
    return await doraCost(serve.pid, client, clientDevice, settings);
  } finally {
    await settings.cleanup.release(sandbox);
  }
}

/** The anchor's gen-hosts.sh hosts file (host r: MAC fa:16:3e + r) and its opts file. */
export function writeServerFiles(
  sandbox: Sandbox,
  count: number,
): { hosts: string; opts: string; log: string } {
  const hosts = sandbox.path('hosts');
  const opts = sandbox.path('opts');
  const lines = Array.from({ length: count }, (_, r) => benchHost(r).line);
  writeFileSync(hosts, `${lines.join('\n')}\n`);
  writeFileSync(
    opts,
    [
      `tag:tag0,option:router,${SERVER_ADDRESS}`,
      `tag:tag0,option:dns-server,${SERVER_ADDRESS}`,
      `tag:tag0,option:classless-static-route,169.254.169.254/32,${SERVER_ADDRESS},0.0.0.0/0,${SERVER_ADDRESS}`,
      `tag:tag0,249,169.254.169.254/32,${SERVER_ADDRESS},0.0.0.0/0,${SERVER_ADDRESS}`,
      '',
    ].join('\n'),
  );
  return { hosts, opts, log: sandbox.path('serve.log') };
}

/**
 * Waits until the server's log file holds `marker` (qdhcp serve's start line by default; dnsmasq's is
 * `DHCP, static leases`), failing at once when it exited and after 30 s.
 */
export async function waitForStart(
  log: string,
  exited: () => boolean,
  stderr: string,
  { marker = '"serve.started"', name = 'qdhcp serve' }: { marker?: string; name?: string } = {},
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes(marker))) {
    if (exited()) throw new Error(`${name} exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Three seconds at the measured rate: compiled code and a lease for every host before the timing. */
async function warmUp(client: Namespace, device: string, settings: ServeDhcpSettings): Promise<void> {
  const run = await perfdhcp(client, device, settings.rate, settings.clients, 3);
  if (run.acksReceived === 0) throw new Error('warm-up: no ACK from qdhcp serve');
}

/** The dnsmasq-style options both dnsmasq and `qdhcp serve` get in these benches (Neutron's, static /16). */
export function servingArgs(
  device: string,
  files: { readonly hosts: string; readonly opts: string; readonly log: string },
): string[] {
  return [
    `--interface=${device}`,
    '--dhcp-range=set:tag0,10.77.0.0,static,255.255.0.0,86400s',
    `--dhcp-hostsfile=${files.hosts}`,
    `--dhcp-optsfile=${files.opts}`,
    '--dhcp-option-force=option:mtu,1450',
    '--dhcp-lease-max=65536',
    '--domain=openstacklocal',
    `--log-facility=${files.log}`,
  ];
}
