import { execFileSync } from 'node:child_process';
import { DnsmasqDriver } from '../../src/agent/drivers/dnsmasq/dnsmasq-driver.js';
import { runDriverContract } from './driver-contract.js';

function dnsmasqMissing(): string | undefined {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dnsmasq is not installed';
  }
}

runDriverContract({
  name: 'dnsmasq',
  skip: dnsmasqMissing(),
  create: (deps, bed) => new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 200 }),
});
