import { QdhcpError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { type ConvergeReport, convergeDhcpPlumbing, readLinks } from '../../linux/network-plumbing.js';
import type { ObservedLink } from '../../linux/observed-links.js';
import { type DesiredPlumbing, desiredPlumbing, findAgentDhcpPort } from '../desired-plumbing.js';
import type { AgentNetwork, AgentPort } from '../model.js';
import type { PlumbingSettings } from '../plumbing-settings.js';
import type { NetworkState } from '../reconciler/network-state.js';
import type { DhcpContext, DhcpSettings } from '../settings.js';

/** What every driver is built with. */
export interface DriverDeps {
  readonly dhcp: DhcpSettings;
  readonly plumbing: PlumbingSettings;
  /** The device_id of this agent's DHCP port on a network (spec §4.14, naming.ts `dhcpPortDeviceId`). */
  readonly dhcpDeviceId: (networkId: string) => string;
  readonly logger: Logger;
  /** `--log-dhcp`: log the engine's trace of every exchange (builtin driver). */
  readonly logDhcp?: boolean;
  /** `dhcp_socket_hold_ms` (builtin driver; default src/dhcp-server/socket-hold.ts). */
  readonly dhcpSocketHoldMs?: number;
}

/** A network with everything derived that both drivers need before serving it. */
export interface PreparedNetwork {
  readonly network: AgentNetwork;
  readonly dhcpPort: AgentPort;
  readonly desired: DesiredPlumbing;
  readonly context: DhcpContext;
}

/**
 * Computes the desired devices; throws on a model it cannot serve. `dhcpPort` is the agent's own port as
 * the network state found it (found here when absent, for callers without a state).
 */
export function prepareNetwork(
  network: AgentNetwork,
  deps: DriverDeps,
  dhcpPort: AgentPort | undefined = findAgentDhcpPort(network, deps.dhcpDeviceId(network.id)),
): PreparedNetwork {
  if (dhcpPort === undefined) {
    throw new QdhcpError('DHCP_PORT_MISSING', {
      network_id: network.id,
      device_id: deps.dhcpDeviceId(network.id),
    });
  }
  return {
    network,
    dhcpPort,
    desired: desiredPlumbing(network, dhcpPort, deps.dhcp, deps.plumbing),
    context: { settings: deps.dhcp, dhcpPort },
  };
}

/** {@link prepareNetwork} of a snapshot (its `Network` is built once per snapshot and kept). */
export function prepareState(state: NetworkState, deps: DriverDeps): PreparedNetwork {
  return prepareNetwork(state.network, deps, state.dhcpPort);
}

/** Converges the prepared network's devices (spec §4.15). */
export function plumbNetwork(
  prepared: PreparedNetwork,
  hostLinks?: ReadonlyMap<string, ObservedLink>,
): Promise<ConvergeReport> {
  const { desired } = prepared;
  return convergeDhcpPlumbing(desired.hostNamespace, desired.bridge, desired.device, hostLinks);
}

/** Reads the host namespace's devices once, for `ApplyOptions.hostLinks` (driver.ts). */
export function readHostLinks(settings: PlumbingSettings): Promise<Map<string, ObservedLink>> {
  return readLinks(settings.hostNamespace);
}
