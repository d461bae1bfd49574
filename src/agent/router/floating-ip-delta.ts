/**
 * A floating-IP change as a delta (issue 13's associate → first packet target): when the only difference
 * between the router last converged and the one wanted is the set of floating IPs, the change is the `ip`
 * lines for the `/32`s on `qg-` and the nft map elements, computed from the two desired states alone —
 * no device, address or table is read again (those reads were most of an associate's processes and time).
 * Anything else changed: undefined, and the data plane converges from what exists. Pure.
 *
 * @module
 */
import type { DesiredRouter } from './desired-router.js';
import { convergedNftTable, routerNftPlan } from './router-nft.js';

/** What a floating-IP-only change takes. */
export interface FloatingIpDelta {
  /** `addr add|del <floating>/32 dev qg-…` (one `ip -batch`; after the nft lines on associate). */
  readonly ipLines: readonly string[];
  /** Map elements added and deleted (one `nft -f` transaction). */
  readonly nftLines: readonly string[];
  /** Floating IPs newly on `qg-`: announce them (gratuitous ARP). */
  readonly added: readonly string[];
  /** Floating IPs mapped anew or differently: their tracked connections predate the mapping, delete them. */
  readonly mapped: readonly string[];
  /** Floating IPs that lost their mapping or moved to another fixed IP: delete their tracked connections. */
  readonly released: readonly string[];
}

/** The router without its floating IPs (the gateway's `/32`s and the maps), as comparable text. */
function withoutFloatingIps(router: DesiredRouter): string {
  const floating = new Set([...router.nat.floatingIps.keys()].map((address) => `${address}/32`));
  return JSON.stringify({
    routerId: router.routerId,
    namespace: router.namespace,
    ports: router.ports.map((port) => ({
      ...port,
      addresses: port.role === 'gateway' ? port.addresses.filter((a) => !floating.has(a)) : port.addresses,
    })),
    routes: router.routes,
    nat: { ...router.nat, floatingIps: undefined },
  });
}

/** The delta from `before` (converged) to `after`, or undefined when more than floating IPs changed. */
export function floatingIpDelta(before: DesiredRouter, after: DesiredRouter): FloatingIpDelta | undefined {
  if (withoutFloatingIps(before) !== withoutFloatingIps(after)) return undefined;
  const device = after.nat.gatewayDevice;
  const was = before.nat.floatingIps;
  const now = after.nat.floatingIps;
  const removed = [...was.keys()].filter((address) => !now.has(address));
  const added = [...now.keys()].filter((address) => !was.has(address));
  const ipLines =
    device === undefined
      ? []
      : [
          ...removed.map((address) => `addr del ${address}/32 dev ${device}`),
          ...added.map((address) => `addr add ${address}/32 dev ${device}`),
        ];
  const plan = routerNftPlan(after.nat, convergedNftTable(before.nat));
  const mapped = [...now].filter(([floating, fixed]) => was.get(floating) !== fixed).map(([f]) => f);
  return { ipLines, nftLines: plan.lines, added, mapped, released: plan.releasedFloatingIps };
}
