/**
 * A router's desired state on Linux, from its {@link RouterSpec} (issue 13): the `qrouter-` namespace, one
 * veth per port (`qr-…`/`qg-…` inside, `tap…` on the network's bridge) with its MAC, MTU and addresses,
 * the routes (default via the external subnet's gateway, extra routes), and what the nftables table must
 * hold (router-nft.ts). Pure; router-namespace-commands.ts and router-nft.ts diff it against what exists.
 *
 * @module
 */
import { type Cidr, canonicalIp, cidrContains, parseCidr, parseIp } from '../../ipam/index.js';
import type { BridgeSpec } from '../../linux/plumbing-commands.js';
import {
  routerGatewayDeviceName,
  routerInterfaceDeviceName,
  routerNamespaceName,
  tapName,
} from '../naming.js';
import type { RouterPortSpec, RouterSpec } from './router-spec.js';

/** Where a router's devices go and how its networks' bridges are found. */
export interface RouterPlacement {
  /** `--namespace-prefix` (prepended to `qrouter-<id>`). */
  readonly namespacePrefix: string;
  /**
   * The bridge (and uplink) of a network, as the DHCP side makes it (`desiredPlumbing`); undefined when
   * someone else (Neutron's L2 agent) owns L2: the tap is then made but plugged by them.
   */
  readonly bridgeFor: (port: RouterPortSpec) => BridgeSpec | undefined;
}

/** One router port as devices. */
export interface DesiredRouterPort {
  readonly role: 'interface' | 'gateway';
  readonly portId: string;
  /** `qr-…` or `qg-…`, inside the router namespace. */
  readonly device: string;
  /** `tap…`, its veth peer on the bridge. */
  readonly tap: string;
  readonly bridge: BridgeSpec | undefined;
  readonly mac: string;
  readonly mtu: number | undefined;
  /** Exactly these addresses, `address/prefix` (canonical); the gateway's also holds each floating IP /32. */
  readonly addresses: readonly string[];
}

/** A route of the router namespace's main table. */
export interface DesiredRoute {
  readonly family: 4 | 6;
  /** `default`, or a canonical CIDR without `/32`/`/128` (as the kernel reports host routes). */
  readonly destination: string;
  readonly via: string;
  /** Set for the default routes (via the gateway device). */
  readonly device: string | undefined;
  /** The gateway lies outside every subnet of the device. */
  readonly onLink: boolean;
}

/** What the router's nftables table holds (router-nft.ts). IPv4 only: IPv6 is forwarded without NAT. */
export interface DesiredNat {
  /** The `qg-` device, or undefined without a gateway (then no SNAT and no floating IPs). */
  readonly gatewayDevice: string | undefined;
  /** SNAT address of the router's subnets out of `qg-` (its first IPv4 address) when `enable_snat`. */
  readonly snatAddress: string | undefined;
  /**
   * The gateway's first IPv4 address whatever `enable_snat` says: the source of hairpinned traffic from an
   * instance without a floating IP (router-nft.ts), as Neutron's legacy router does.
   */
  readonly gatewayAddress: string | undefined;
  /** The IPv4 subnets of the router's interfaces (what SNAT applies to), canonical CIDRs. */
  readonly internalSubnets: readonly string[];
  /** floating IP → fixed IP (the DNAT map; the SNAT map is its inverse). */
  readonly floatingIps: ReadonlyMap<string, string>;
}

/** Everything a router should be on this host. */
export interface DesiredRouter {
  readonly routerId: string;
  readonly namespace: string;
  readonly ports: readonly DesiredRouterPort[];
  readonly routes: readonly DesiredRoute[];
  readonly nat: DesiredNat;
  /** Parts of the spec left out, with why (logged by the caller; a bad route must not stop the router). */
  readonly ignored: readonly string[];
}

/** `address/prefix` → parsed subnet and canonical address, or undefined when either does not parse. */
function portSubnets(port: RouterPortSpec): Array<{ cidr: Cidr; address: string; gatewayIp: string | null }> {
  const subnets: Array<{ cidr: Cidr; address: string; gatewayIp: string | null }> = [];
  for (const entry of port.addresses) {
    const cidr = parseCidr(entry.cidr);
    const address = canonicalIp(entry.ipAddress);
    if (!cidr.ok || address === undefined) continue;
    subnets.push({
      cidr: cidr.value,
      address,
      gatewayIp: entry.gatewayIp === null ? null : (canonicalIp(entry.gatewayIp) ?? null),
    });
  }
  return subnets;
}

function contains(cidr: Cidr, address: string): boolean {
  const parsed = parseIp(address);
  return parsed.ok && parsed.value.version === cidr.version && cidrContains(cidr, parsed.value.value);
}

/** The kernel's form of a route destination: host routes without their `/32` or `/128`. */
export function routeDestinationText(cidr: Cidr): string {
  const host = cidr.version === 4 ? 32 : 128;
  return cidr.prefixLength === host ? cidr.text.slice(0, cidr.text.lastIndexOf('/')) : cidr.text;
}

/** The desired state of `spec` (assumed admin up: a router that is down is removed, as Neutron does). */
export function desiredRouter(spec: RouterSpec, placement: RouterPlacement): DesiredRouter {
  const ignored: string[] = [];
  const ports: DesiredRouterPort[] = [];
  const connected: Cidr[] = [];
  const internalSubnets: string[] = [];
  const portOf = (port: RouterPortSpec, role: DesiredRouterPort['role'], extra: readonly string[]) => {
    const subnets = portSubnets(port);
    if (subnets.length < port.addresses.length)
      ignored.push(`port ${port.portId}: an address or CIDR that does not parse`);
    connected.push(...subnets.map((subnet) => subnet.cidr));
    ports.push({
      role,
      portId: port.portId,
      device:
        role === 'gateway' ? routerGatewayDeviceName(port.portId) : routerInterfaceDeviceName(port.portId),
      tap: tapName(port.portId),
      bridge: placement.bridgeFor(port),
      mac: port.macAddress.toLowerCase(),
      mtu: port.mtu > 0 ? port.mtu : undefined,
      addresses: [...subnets.map((s) => `${s.address}/${s.cidr.prefixLength}`), ...extra],
    });
    return subnets;
  };
  for (const port of spec.interfaces) {
    for (const subnet of portOf(port, 'interface', [])) {
      if (subnet.cidr.version === 4 && !internalSubnets.includes(subnet.cidr.text))
        internalSubnets.push(subnet.cidr.text);
    }
  }
  const routes: DesiredRoute[] = [];
  const floatingIps = new Map<string, string>();
  let gatewayDevice: string | undefined;
  let snatAddress: string | undefined;
  let gatewayAddress: string | undefined;
  const gateway = spec.gateway;
  if (gateway !== null) {
    gatewayDevice = routerGatewayDeviceName(gateway.portId);
    const gatewayV4 = portSubnets(gateway).find((subnet) => subnet.cidr.version === 4);
    const fixedTaken = new Set<string>();
    for (const floating of spec.floatingIps) {
      const address = canonicalIp(floating.floatingIpAddress);
      const fixed = canonicalIp(floating.fixedIpAddress);
      if (address === undefined || fixed === undefined || address.includes(':') || fixed.includes(':')) {
        ignored.push(`floating IP ${floating.id}: not an IPv4 pair`);
      } else if (gatewayV4 === undefined) {
        ignored.push(`floating IP ${floating.id}: the gateway has no IPv4 address`);
      } else if (floatingIps.has(address) || fixedTaken.has(fixed)) {
        ignored.push(`floating IP ${floating.id}: ${address} or ${fixed} is already mapped`);
      } else {
        floatingIps.set(address, fixed);
        fixedTaken.add(fixed);
      }
    }
    const subnets = portOf(
      gateway,
      'gateway',
      [...floatingIps.keys()].map((address) => `${address}/32`),
    );
    gatewayAddress = gatewayV4?.address;
    if (gateway.enableSnat) snatAddress = gatewayAddress;
    for (const family of [4, 6] as const) {
      const first = subnets.find((subnet) => subnet.cidr.version === family && subnet.gatewayIp !== null);
      if (first?.gatewayIp == null) continue;
      routes.push({
        family,
        destination: 'default',
        via: first.gatewayIp,
        device: gatewayDevice,
        onLink: !contains(first.cidr, first.gatewayIp),
      });
    }
  }
  for (const route of spec.routes) {
    const destination = parseCidr(route.destination);
    const nexthop = canonicalIp(route.nexthop);
    if (!destination.ok || nexthop === undefined) {
      ignored.push(`route ${route.destination} via ${route.nexthop}: does not parse`);
    } else if (!connected.some((cidr) => contains(cidr, nexthop))) {
      // Neutron refuses such a route at the API; here it would fail the whole `ip` batch.
      ignored.push(`route ${route.destination} via ${route.nexthop}: next hop on no subnet of the router`);
    } else {
      routes.push({
        family: destination.value.version,
        destination:
          destination.value.prefixLength === 0 ? 'default' : routeDestinationText(destination.value),
        via: nexthop,
        device: undefined,
        onLink: false,
      });
    }
  }
  return {
    routerId: spec.id,
    namespace: routerNamespaceName(spec.id, placement.namespacePrefix),
    ports,
    routes: dedupeRoutes(routes, ignored),
    nat: { gatewayDevice, snatAddress, gatewayAddress, internalSubnets, floatingIps },
    ignored,
  };
}

/** One route per (family, destination): the default route via the gateway wins over an extra route. */
function dedupeRoutes(routes: readonly DesiredRoute[], ignored: string[]): DesiredRoute[] {
  const seen = new Set<string>();
  const kept: DesiredRoute[] = [];
  for (const route of routes) {
    const key = `${route.family} ${route.destination}`;
    if (seen.has(key)) {
      ignored.push(`route ${route.destination} via ${route.via}: another route has that destination`);
      continue;
    }
    seen.add(key);
    kept.push(route);
  }
  return kept;
}
