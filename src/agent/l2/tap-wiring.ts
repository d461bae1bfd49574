/**
 * The L2 role's bridge side (docs/compute.md "The path of a tap"): the network's bridge and uplink, made
 * as the DHCP plumbing makes them, and a tap put into its bridge.
 *
 * @module
 */
import type { L2MethodResult } from '../../bus/l2-agent-rpc.js';
import { type NamespaceName, runIpBatch } from '../../linux/ip-batch.js';
import { ensureBridge } from '../../linux/network-plumbing.js';
import type { ObservedLink } from '../../linux/observed-links.js';
import { bridgeFor } from '../desired-plumbing.js';
import type { PlumbingSettings } from '../plumbing-settings.js';

/** A port's network as the L2 contract answers it (no ports). */
export type L2Network = NonNullable<L2MethodResult<'l2.get_port_by_device'>['network']>;

/** The bridges this process made, with the spec each was made from. */
export class NetworkBridges {
  /** Bridge → its spec as last made (JSON): a changed peer list is converged on the next refresh. */
  private readonly made = new Map<string, string>();

  constructor(private readonly plumbing: PlumbingSettings) {}

  /**
   * The network's bridge and uplink, the ones the DHCP side uses (`bridgeFor`: `brq…` with its uplink, or
   * the operator's bridge of `bridge_mappings`); made again only when the spec changed since (the VXLAN
   * flooding peers: a host came or went) or the bridge is gone. Returns the bridge's name.
   */
  async ensure(network: L2Network, links: ReadonlyMap<string, ObservedLink>): Promise<string> {
    const spec = bridgeFor({ ...network, subnets: [], ports: [] }, this.plumbing);
    const key = JSON.stringify(spec);
    if (this.made.get(spec.bridge) === key && links.has(spec.bridge)) return spec.bridge;
    await ensureBridge(this.plumbing.hostNamespace, spec, links);
    this.made.set(spec.bridge, key);
    return spec.bridge;
  }
}

/** The tap in its bridge, with the network's MTU, up (no `ip` process when it already is). */
export async function attachTap(
  namespace: NamespaceName,
  link: ObservedLink,
  bridge: string,
  mtu: number,
): Promise<void> {
  const lines: string[] = [];
  if (link.master !== bridge) lines.push(`link set dev ${link.name} master ${bridge}`);
  if (mtu > 0 && link.mtu !== mtu) lines.push(`link set dev ${link.name} mtu ${mtu}`);
  if (!link.up) lines.push(`link set dev ${link.name} up`);
  await runIpBatch(namespace, lines);
}
