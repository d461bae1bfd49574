/**
 * The ports a router or a floating IP owns (its gateway, interfaces, floating address): which they are,
 * and whether their owner still exists, so the port API refuses to delete them (Neutron's
 * `prevent_l3_port_deletion`, issue 13), and what a port's deletion does to the floating IPs on it.
 *
 * @module
 */
import { floatingIpsRepository, type PortRecord, type Queryable, routersRepository } from '../db/index.js';
import {
  DEVICE_OWNER_FLOATINGIP,
  DEVICE_OWNER_ROUTER_GATEWAY,
  DEVICE_OWNER_ROUTER_INTERFACE,
} from '../ipam/index.js';

/** True when `port` is a router's or floating IP's own port and that router or floating IP exists. */
export async function isServicePortInUse(tx: Queryable, port: PortRecord): Promise<boolean> {
  if (port.deviceId === '') return false;
  if (port.deviceOwner === DEVICE_OWNER_ROUTER_INTERFACE || port.deviceOwner === DEVICE_OWNER_ROUTER_GATEWAY)
    return (await routersRepository.get(tx, port.deviceId)) !== undefined;
  if (port.deviceOwner === DEVICE_OWNER_FLOATINGIP)
    return (await floatingIpsRepository.get(tx, port.deviceId)) !== undefined;
  return false;
}

/**
 * Disassociates the floating IPs of a port that is being deleted (Neutron's `disassociate_floatingips`
 * on port delete): they stay allocated, DOWN, without a port. Returns the routers they went through (their
 * L3 agents must drop the NAT: router-scheduler.ts `routerChanged`).
 */
export async function disassociateFloatingIps(tx: Queryable, portId: string, now: string): Promise<string[]> {
  const routers = new Set<string>();
  for (const fip of await floatingIpsRepository.listByFixedPort(tx, portId)) {
    if (fip.routerId !== null) routers.add(fip.routerId);
    await floatingIpsRepository.update(tx, {
      ...fip,
      fixedPortId: null,
      fixedIpAddress: null,
      routerId: null,
      status: 'DOWN',
      updatedAt: now,
      revisionNumber: fip.revisionNumber + 1,
    });
  }
  return [...routers];
}

/**
 * Deletes the floating IP rows of an external network that is being deleted (Neutron deletes a network's
 * floating IPs with it); their `network:floatingip` ports then go with the network's other ports.
 */
export async function deleteFloatingIpsOfNetwork(tx: Queryable, networkId: string): Promise<void> {
  const fips = await floatingIpsRepository.list(tx, { equals: { floating_network_id: [networkId] } });
  for (const fip of fips) await floatingIpsRepository.delete(tx, fip.id);
}
