import { randomBytes } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import { portsRepository, type Queryable } from '../db/index.js';
import { generateMac } from '../ipam/index.js';

/** Most draws for a free random MAC before giving up (each draw is checked against the network). */
const MAC_ATTEMPTS = 16;

/**
 * A random MAC under `baseMac` (`fa:16:3e` by default) that no port of the network has yet; Neutron's
 * `MacAddressGenerationFailure` after {@link MAC_ATTEMPTS} taken draws. Shared by API port creates and the
 * agents' DHCP ports.
 */
export async function freeMac(tx: Queryable, networkId: string, baseMac: string): Promise<string> {
  for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
    const mac = generateMac(baseMac, (n) => randomBytes(n));
    if (!(await portsRepository.macInUse(tx, networkId, mac))) return mac;
  }
  throw new QdhcpError('MAC_ADDRESS_GENERATION_FAILURE', { net_id: networkId });
}
