import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runDhcpv6Contract } from './dhcpv6-contract.js';

function dnsmasqMissing(): string | undefined {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dnsmasq is not installed';
  }
}

function leases(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

runDhcpv6Contract({
  driver: 'dnsmasq',
  tag: 'd6d',
  skip: dnsmasqMissing(),
  bindingSeen: async (aio, networkId, address) => {
    const file = aio.bed.path(`state/dhcp/${networkId}/leases`);
    await aio.waitFor(`${address} in ${file}`, async () =>
      leases(file).includes(` ${address} `) ? true : undefined,
    );
  },
  // dnsmasq keeps an IPv6 lease as `<expiry> <iaid> <address> <name> <duid>` and drops it on a Release.
  releaseSeen: async (aio, networkId, address) => {
    const file = aio.bed.path(`state/dhcp/${networkId}/leases`);
    await aio.waitFor(`${address} gone from ${file}`, async () =>
      leases(file).includes(` ${address} `) ? undefined : true,
    );
  },
});
