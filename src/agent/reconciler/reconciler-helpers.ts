import type { ResourceEventV1 } from '../../bus/messages.js';
import { isRetryable } from '../../common/errors.js';
import type { Network } from '../model.js';

/**
 * Errors that a retry cannot fix — the catalog says not `retryable` (a model this host cannot wire, a server
 * that has no free address for our DHCP port): reported, not retried in a loop; the network's next change
 * arrives as an event and is tried then.
 */
export function isPermanent(error: unknown): boolean {
  return !isRetryable(error);
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
