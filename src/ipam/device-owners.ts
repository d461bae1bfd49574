/**
 * Device-owner strings that change IPAM decisions (neutron_lib/constants.py).
 *
 * @module
 */

/** The DHCP agent's port. */
export const DEVICE_OWNER_DHCP = 'network:dhcp';
/** DVR distributed port (gets the lowest free address, like DHCP ports). */
export const DEVICE_OWNER_DISTRIBUTED = 'network:distributed';
export const DEVICE_OWNER_ROUTER_INTERFACE = 'network:router_interface';
export const DEVICE_OWNER_ROUTER_INTERFACE_DISTRIBUTED = 'network:router_interface_distributed';
export const DEVICE_OWNER_HA_REPLICATED_INTERFACE = 'network:ha_router_replicated_interface';
export const DEVICE_OWNER_ROUTER_SNAT = 'network:router_centralized_snat';
export const DEVICE_OWNER_ROUTER_GATEWAY = 'network:router_gateway';
/** The port holding a floating IP's address on the external network. */
export const DEVICE_OWNER_FLOATINGIP = 'network:floatingip';

/** Neutron `ROUTER_INTERFACE_OWNERS`. */
export const ROUTER_INTERFACE_OWNERS: readonly string[] = [
  DEVICE_OWNER_ROUTER_INTERFACE,
  DEVICE_OWNER_ROUTER_INTERFACE_DISTRIBUTED,
  DEVICE_OWNER_HA_REPLICATED_INTERFACE,
];
/** Neutron `ROUTER_INTERFACE_OWNERS_SNAT`: router interfaces plus the DVR SNAT port. */
export const ROUTER_INTERFACE_OWNERS_SNAT: readonly string[] = [
  ...ROUTER_INTERFACE_OWNERS,
  DEVICE_OWNER_ROUTER_SNAT,
];
/** Neutron `ROUTER_PORT_OWNERS`: all router interfaces, SNAT and gateway ports. */
export const ROUTER_PORT_OWNERS: readonly string[] = [
  ...ROUTER_INTERFACE_OWNERS_SNAT,
  DEVICE_OWNER_ROUTER_GATEWAY,
];

/** Whether automatic choice takes the lowest free address for this owner (spec 3.4 "prefer next"). */
export function prefersNextAddress(deviceOwner: string): boolean {
  return deviceOwner === DEVICE_OWNER_DHCP || deviceOwner === DEVICE_OWNER_DISTRIBUTED;
}
