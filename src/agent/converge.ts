import { networkNeedsDhcp } from './desired-plumbing.js';
import type { DhcpDriver } from './drivers/driver.js';
import type { Network } from './model.js';

/** What {@link convergeNetwork} did. */
export type ConvergeOutcome = 'enabled' | 'disabled' | 'absent';

/**
 * The per-network converge the reconciler calls (STYLE 7.2 #7): desired state from the model (serve it
 * when it is admin-up with a DHCP-enabled subnet, spec §4.7) against what the driver serves now. Enabling
 * is itself idempotent (plumbing and tables converge to the model), so calling this again with the same
 * model changes nothing. `undefined` means the server no longer has the network.
 */
export async function convergeNetwork(
  driver: DhcpDriver,
  networkId: string,
  network: Network | undefined,
): Promise<ConvergeOutcome> {
  if (network !== undefined && networkNeedsDhcp(network)) {
    await driver.enable(network);
    return 'enabled';
  }
  if (driver.status(networkId) !== undefined || network !== undefined) {
    await driver.disable(networkId, { retainPort: false });
    return 'disabled';
  }
  return 'absent';
}
