import type { ResourceEventV1 } from '../../bus/messages.js';
import { NetworkModelError } from '../dhcp-config/network-facts.js';
import type { Network } from '../model.js';

/** Errors that a retry cannot fix (a model this host cannot wire): reported, not retried in a loop. */
export function isPermanent(error: unknown): boolean {
  return error instanceof NetworkModelError || error instanceof RangeError;
}

/** The provider attributes of a deleted network, from its event's last state (enough to name its devices). */
export function deletedNetwork(event: ResourceEventV1): Network {
  const state = event.state;
  const text = (key: string) => (typeof state[key] === 'string' ? (state[key] as string) : null);
  const segmentation = state['provider:segmentation_id'];
  return {
    id: event.networkId,
    admin_state_up: false,
    mtu: 0,
    'provider:network_type': text('provider:network_type'),
    'provider:physical_network': text('provider:physical_network'),
    'provider:segmentation_id': typeof segmentation === 'number' ? segmentation : null,
    subnets: [],
    ports: [],
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
