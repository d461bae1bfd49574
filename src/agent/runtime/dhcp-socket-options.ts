/**
 * How the builtin driver reads its DHCP sockets (issue 17, "A cheaper packet loop"): the hold of polled
 * mode (src/dhcp-server/socket-hold.ts, native/netns/src/udp-batch.c). One block of the agent's table
 * (`agent-config.ts` spreads it), resolved here.
 *
 * @module
 */
import type { OptionSpec, OptionValues } from '../../common/config-options.js';
import { DHCP_SOCKET_HOLD_MS } from '../../dhcp-server/socket-hold.js';

export const DHCP_SOCKET_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'dhcp_socket_hold_ms',
    sections: ['DEFAULT'],
    kind: 'int',
    default: String(DHCP_SOCKET_HOLD_MS),
    min: 0,
    max: 1000,
    help: 'under load, read each DHCP socket every this many ms instead of on every datagram (less CPU per exchange; 0: never)',
  },
];

/** The resolved values of {@link DHCP_SOCKET_OPTIONS}. */
export interface DhcpSocketConfig {
  readonly dhcpSocketHoldMs: number;
}

export function resolveDhcpSocketOptions({ int }: OptionValues): DhcpSocketConfig {
  return { dhcpSocketHoldMs: int('dhcp_socket_hold_ms') };
}
