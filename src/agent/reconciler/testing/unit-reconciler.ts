import type { Bus } from '../../../bus/bus.js';
import { createLogger } from '../../../common/logger.js';
import type { DhcpDriver } from '../../drivers/driver.js';
import { dhcpPortDeviceId } from '../../naming.js';
import { DEFAULT_DHCP_SETTINGS } from '../../settings.js';
import { createAgentRpc } from '../agent-rpc.js';
import { NetworkPeers } from '../network-peers.js';
import type { ReconcilerOptions } from '../reconciler-types.js';

/**
 * The reconciler options the in-process tests share: `driver` behind the peers, RPC over `bus`, silent
 * logs, Neutron's DHCP defaults, no periodic resync, short retry and ports-ready delays. A test spreads
 * these and sets what it is about (`removeOrphans`, `parallelism`, its own delays).
 */
export function unitReconcilerOptions(
  bus: Bus,
  driver: DhcpDriver,
  {
    host = 'unit-host',
    rpcTimeoutMs = 2000,
  }: { readonly host?: string; readonly rpcTimeoutMs?: number } = {},
): ReconcilerOptions {
  return {
    host,
    peers: new NetworkPeers(driver),
    dhcp: DEFAULT_DHCP_SETTINGS,
    rpc: createAgentRpc(bus, { timeoutMs: rpcTimeoutMs }),
    logger: createLogger({ level: 'silent' }),
    dhcpDeviceId: (networkId) => dhcpPortDeviceId(host, networkId),
    retryDelayMs: 30,
    resyncIntervalMs: 0,
    portsReadyIntervalMs: 10,
  };
}
