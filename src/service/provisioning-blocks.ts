/**
 * Provisioning blocks (issue 14; Neutron's `db/provisioning_blocks.py` and ML2's `_port_provisioned`): a
 * port is `ACTIVE` when every entity it waits for has reported it ready, `DOWN` otherwise.
 *
 * - `l2`: a host wired its tap (`l2.port_bound up`; `up: false` takes it back). Every port waits for it
 *   except the kinds Neutron never binds to an instance's host: `network:*` owners (DHCP ports, router
 *   interfaces and gateways, floating IPs), which their own plumbing wires, and `compute:probe` (`qdhcp
 *   probe` plugs its veth into the bridge itself; no L2 role sees it). A port no host wires stays DOWN,
 *   as Neutron's unbound ports do.
 * - `dhcp`: a DHCP agent serves it (`dhcp.ports_ready`). Only when its owner is neither empty nor
 *   `network:*`, a subnet of one of its fixed IPs has DHCP enabled and a DHCP agent hosts its network
 *   (the conditions of Neutron's `_setup_dhcp_agent_provisioning_component`, docs/neutron-behaviour.md
 *   §1.9). Ports with no block at all (`network:*`) go ACTIVE at the DHCP agent's report, as before.
 *
 * Neutron stores the blocks still pending; here the readiness reports are stored (`port_provisioning`)
 * and the blocks derived from the port, so a report that comes again (the DHCP agent reports every
 * served port after each converge) cannot re-activate a port whose tap went.
 *
 * @module
 */
import {
  agentsRepository,
  type PortRecord,
  type ProvisioningEntity,
  provisioningRepository,
  type Queryable,
  subnetsRepository,
} from '../db/index.js';
import { isAlive } from './scheduler.js';

/** Whether the port waits for a host to wire it (see the module comment). */
export function needsWiring(deviceOwner: string): boolean {
  return !deviceOwner.startsWith('network:') && deviceOwner !== 'compute:probe';
}

/** Whether a DHCP agent's readiness report is one of the port's blocks. */
async function needsDhcp(db: Queryable, port: PortRecord): Promise<boolean> {
  if (port.fixedIps.length === 0 || port.deviceOwner === '' || port.deviceOwner.startsWith('network:'))
    return false;
  const subnets = await subnetsRepository.listByNetwork(db, port.networkId);
  const served = subnets.some((s) => s.enableDhcp && port.fixedIps.some((ip) => ip.subnetId === s.id));
  return served && (await agentsRepository.bindingsOfNetwork(db, port.networkId)).length > 0;
}

/** The entities the port still waits for (empty: it is provisioned). */
export async function provisioningBlocks(db: Queryable, port: PortRecord): Promise<ProvisioningEntity[]> {
  const ready = (await provisioningRepository.readyOf(db, [port.id])).get(port.id) ?? new Set();
  const needed: ProvisioningEntity[] = [];
  if (needsWiring(port.deviceOwner)) needed.push('l2');
  if (await needsDhcp(db, port)) needed.push('dhcp');
  return needed.filter((entity) => !ready.has(entity));
}

/** The status the port's provisioning gives it. */
export async function provisionedStatus(db: Queryable, port: PortRecord): Promise<'ACTIVE' | 'DOWN'> {
  return (await provisioningBlocks(db, port)).length === 0 ? 'ACTIVE' : 'DOWN';
}

/** The agent type of an L2 role (a host that wires taps), as Neutron's linuxbridge agent reports it. */
const L2_AGENT_TYPE = 'Linux bridge agent';

/**
 * A port whose `binding:host_id` an update changed is bound again, as ML2 does (Neutron's
 * `_bind_port_if_needed` for the new host, and the L2 provisioning block added back): the L2 readiness
 * is cleared, so the port is `DOWN` until the new host's L2 role reports its tap wired (`l2.port_bound
 * up` from that host; from any other host it is ignored, src/service/agent-l2-rpc.ts). `binding:vif_type`:
 * `bridge` when the new host runs a live L2 role (the linuxbridge mechanism driver binds then),
 * `binding_failed` when it runs none, `unbound` for an empty host. Unchanged host: the port as given.
 */
export async function rebindIfMoved(
  tx: Queryable,
  current: PortRecord,
  updated: PortRecord,
  now: Date,
  agentDownTime: number,
): Promise<PortRecord> {
  if (updated.bindingHostId === current.bindingHostId) return updated;
  await provisioningRepository.clearReady(tx, updated.id, 'l2');
  const host = updated.bindingHostId;
  const agent = host === '' ? undefined : await agentsRepository.getByTypeAndHost(tx, L2_AGENT_TYPE, host);
  const vifType =
    host === ''
      ? 'unbound'
      : agent !== undefined && isAlive(agent, now, agentDownTime)
        ? 'bridge'
        : 'binding_failed';
  const rebound = { ...updated, bindingVifType: vifType };
  return { ...rebound, status: await provisionedStatus(tx, rebound) };
}
