/**
 * Which bridge a router port's tap goes on: the same one the DHCP side uses for that network
 * (`bridgeFor` in desired-plumbing.ts: an operator's mapped bridge, or `brq<net>` with its flat, VLAN or VXLAN
 * uplink), so a network served by both a DHCP port and a router has one bridge and one uplink — and the
 * seed's FlatDHCP layout (docs/flatdhcp.md) puts the gateway on `br100`. Under Neutron's L2 agent
 * (`l2_owner`), nobody here plugs taps: undefined.
 *
 * @module
 */
import type { BridgeSpec } from '../../linux/plumbing-commands.js';
import { bridgeFor } from '../desired-plumbing.js';
import type { AgentNetwork } from '../model.js';
import type { PlumbingSettings } from '../plumbing-settings.js';
import type { RouterPortSpec } from './router-spec.js';

/** The bridge of `port`'s network under `settings`. */
export function routerPortBridge(port: RouterPortSpec, settings: PlumbingSettings): BridgeSpec | undefined {
  if (settings.l2Owner !== 'qdhcp') return undefined;
  // The provider facts are all bridgeFor reads of a network; VXLAN floods to the configured remotes (the
  // router's host gets no per-network peer list: docs/routers.md "Known limits").
  const network: AgentNetwork = {
    id: port.networkId,
    admin_state_up: true,
    mtu: port.mtu,
    'provider:network_type': port.provider?.networkType ?? 'local',
    'provider:physical_network': port.provider?.physicalNetwork ?? null,
    'provider:segmentation_id': port.provider?.segmentationId ?? null,
    subnets: [],
    ports: [],
  };
  return bridgeFor(network, settings);
}
