/**
 * Addressing events to the agents that host their network (spec §4.11: the server casts each change to
 * the hosting agents' topic; `network_delete_end` is a fan-out). The control plane wraps its bus with
 * {@link addressedBus}, giving it how to read a network's hosts from the database.
 *
 * Why a database read per event and no cache: the read happens after the change committed, so an agent
 * either is among the hosts read, or its binding committed later — and then the `bound` event makes it
 * fetch the network, which already contains the change. A cache would have to be invalidated across
 * servers before that holds.
 *
 * @module
 */
import { type Bus, type PublishOptions, withPublish } from './bus.js';
import type { BusEvent } from './messages.js';

/** The agent hosts bound to a network (empty when unscheduled). */
export type HostsOfNetwork = (networkId: string) => Promise<readonly string[]>;

/**
 * Where an event goes: a binding event or a router event (l3-agent-rpc.ts) to its host; a security group
 * event and a resync request to every agent (any host may enforce the group); a deleted network to every agent (its bindings are
 * gone by now, and an agent may still hold it); anything else to the network's hosts (none when the
 * network is unscheduled: the scheduler's `bound` event brings the agent the whole network).
 */
export async function addressOf(event: BusEvent, hostsOf: HostsOfNetwork): Promise<PublishOptions> {
  if (event.schema === 'qdhcp.agent-binding' || event.schema === 'qdhcp.router-event')
    return { hosts: [event.host] };
  if (event.schema === 'qdhcp.security-group-event' || event.schema === 'qdhcp.resync-request') return {};
  if (event.resource === 'network' && event.action === 'deleted') return {};
  return { hosts: await hostsOf(event.networkId) };
}

/**
 * The bus with addressed publishes: `publish(event)` without options looks up the hosts; explicit
 * options are kept. A failed lookup falls back to a fan-out (agents ignore networks they do not hold).
 */
export function addressedBus(
  bus: Bus,
  hostsOf: HostsOfNetwork,
  onLookupError: (error: unknown) => void = () => undefined,
): Bus {
  return withPublish(bus, async (event, options) => {
    let address: PublishOptions = {};
    try {
      address = options ?? (await addressOf(event, hostsOf));
    } catch (error) {
      onLookupError(error);
    }
    return bus.publish(event, address);
  });
}
