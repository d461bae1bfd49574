import { deleteLinks } from '../../linux/network-plumbing.js';
import { bridgeFor } from '../desired-plumbing.js';
import type { AgentNetwork } from '../model.js';
import { bridgeName } from '../naming.js';
import type { PlumbingSettings } from '../plumbing-settings.js';

/**
 * Deletes a *deleted* network's host devices: its bridge and the uplink qdhcp created for it (VLAN
 * sub-interface, VXLAN device). A mapped physical interface (flat) is only released from the bridge, never
 * deleted, and an operator's bridge (`bridge_mappings`) is not ours at all: nothing is deleted for a network
 * on one (Neutron's linuxbridge agent keeps it too). Devices already gone are ignored. Only for network deletion: while a network exists, its bridge
 * stays for the instances even when DHCP is off.
 */
export async function removeNetworkDevices(network: AgentNetwork, plumbing: PlumbingSettings): Promise<void> {
  // Neutron's L2 agent made them and removes them (l2_owner): not one of them is ours to delete.
  if (plumbing.l2Owner !== 'qdhcp') return;
  const devices = [bridgeName(network.id)];
  try {
    const spec = bridgeFor(network, plumbing);
    if (spec.existing === true) return;
    const { uplink } = spec;
    if (uplink.kind === 'vlan' || uplink.kind === 'vxlan') devices.push(uplink.device);
  } catch {
    // A model this host cannot wire has no uplink of ours to remove.
  }
  await deleteLinks(plumbing.hostNamespace, devices);
}
