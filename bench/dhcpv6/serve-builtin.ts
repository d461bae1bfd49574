import { Dhcpv6Networks } from '../../src/agent/drivers/builtin/dhcpv6/dhcpv6-networks.js';
import { prepareNetwork } from '../../src/agent/drivers/prepare-network.js';
import { DEFAULT_PLUMBING_SETTINGS } from '../../src/agent/plumbing-settings.js';
import { DEFAULT_DHCP_SETTINGS } from '../../src/agent/settings.js';
import { createLogger } from '../../src/common/logger.js';
import { benchNetwork } from './network.js';

/**
 * The builtin driver's DHCPv6 side on its own, for bench/dhcpv6/run.ts (there is no `qdhcp serve` for
 * DHCPv6):
 *
 *   node dist/bench/dhcpv6/serve-builtin.js --namespace NS --device DEV --hosts N [--log FILE]
 *
 * It builds the benchmark network (network.ts) and hands it to the agent's own {@link Dhcpv6Networks}
 * (`converge`, as the builtin driver does after plumbing a network): one ServedDhcpv6 over a UDP socket on
 * [::]:547 bound to DEV in namespace NS and joined to ff02::1:2 by the addon (bindUdp6InNamespace), the host
 * table, the engine, the codec and the counters of the agent. Only the plumbing (done by the benchmark) and
 * the control plane are left out. Prints `ready` on stdout once listening; stops on SIGTERM/SIGINT and then
 * prints the counters.
 */
const flag = (name: string): string => {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
};
const namespace = flag('--namespace');
const device = flag('--device');
const hosts = Number(flag('--hosts'));
const logFile = process.argv.includes('--log') ? flag('--log') : undefined;

const logger = createLogger({ name: 'bench-dhcpv6', file: logFile });
const { network, dhcpPort } = benchNetwork(hosts);
const prepared = prepareNetwork(
  network,
  {
    dhcp: DEFAULT_DHCP_SETTINGS,
    plumbing: DEFAULT_PLUMBING_SETTINGS,
    dhcpDeviceId: () => dhcpPort.device_id ?? '',
    logger,
  },
  dhcpPort,
);
// The devices are the benchmark's (its namespace, its veth), not the names the agent would give them.
const served = {
  ...prepared,
  desired: { ...prepared.desired, device: { ...prepared.desired.device, namespace, device } },
};
const dhcpv6 = new Dhcpv6Networks(logger);
await dhcpv6.converge(served, true);
process.stdout.write(`ready hosts=${dhcpv6.served(network.id)?.hostCount ?? 0}\n`);

const stop = (): void => {
  process.stdout.write(`${JSON.stringify(dhcpv6.counters(network.id))}\n`);
  dhcpv6.stop();
  logger.flushBuffered();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
