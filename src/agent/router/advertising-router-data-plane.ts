/**
 * A {@link RouterDataPlane} that also sends each router's IPv6 router advertisements (issue 15,
 * docs/routers.md "IPv6"): after the inner data plane converged a router, one {@link RouterAdvertiser} per
 * `qr-` interface whose subnets the router advertises (router-advertisement.ts, as Neutron's radvd.conf),
 * on a raw ICMPv6 socket opened in the `qrouter-` namespace by the agent process itself: the sender the
 * DHCP namespaces use, no radvd and no process per router. It answers Router Solicitations.
 *
 * An interface that goes (or stops advertising), a router that goes or is set down: its last advertisement
 * with router lifetime 0 is sent *before* the inner data plane deletes the device, so hosts drop their
 * default route through it at once (radvd does the same on shutdown). `close` (agent stop, restart) stops
 * the sockets without that: the routers stay and forward, and the next agent advertises again.
 *
 * @module
 */
import type { Logger } from '../../common/logger.js';
import { encodeRouterAdvertisement, type RouterAdvertisement } from '../../dhcpv6/index.js';
import type { Icmp6Endpoint } from '../../linux/namespace-icmp6.js';
import { RouterAdvertiser } from '../drivers/router-advertisements/router-advertiser.js';
import { routerInterfaceDeviceName } from '../naming.js';
import {
  ROUTER_MAX_ADVERTISEMENT_INTERVAL_SECONDS,
  ROUTER_MIN_ADVERTISEMENT_INTERVAL_SECONDS,
  routerInterfaceAdvertisement,
} from './router-advertisement.js';
import type { RouterDataPlane, RouterSpec } from './router-spec.js';

/** Opens the raw ICMPv6 socket of a device in a namespace (src/linux/namespace-icmp6.ts in production). */
export type OpenIcmp6 = (
  namespace: string,
  device: string,
  onSolicitation: (source: string) => void,
) => Icmp6Endpoint;

/** Options of {@link AdvertisingRouterDataPlane}. */
export interface AdvertisingRouterDataPlaneOptions {
  /** The router's namespace name (`P` + `qrouter-<id>`). */
  readonly namespaceOf: (routerId: string) => string;
  readonly open: OpenIcmp6;
  readonly logger: Logger;
}

interface Advertising {
  readonly device: string;
  readonly advertiser: RouterAdvertiser;
  /** The advertisement's bytes as hex: an apply that changes nothing does not restart the burst. */
  key: string;
}

/** The `ra.*` counters of one router interface (status, tests). */
export interface InterfaceAdvertisementReport {
  readonly routerId: string;
  readonly portId: string;
  readonly device: string;
  readonly sent: number;
  readonly solicitations: number;
  readonly errors: number;
}

const keyOf = (advertisement: RouterAdvertisement): string =>
  Buffer.from(encodeRouterAdvertisement(advertisement)).toString('hex');

export class AdvertisingRouterDataPlane implements RouterDataPlane {
  /** routerId → portId → its advertiser. */
  private readonly routers = new Map<string, Map<string, Advertising>>();

  constructor(
    private readonly inner: RouterDataPlane,
    private readonly options: AdvertisingRouterDataPlaneOptions,
  ) {}

  async apply(spec: RouterSpec): Promise<void> {
    const wanted = new Map<string, RouterAdvertisement>();
    // A router that is down is removed by the data plane: it advertises nothing.
    for (const port of spec.adminStateUp ? spec.interfaces : []) {
      const advertisement = routerInterfaceAdvertisement(port);
      if (advertisement !== undefined) wanted.set(port.portId, advertisement);
    }
    const current = this.routers.get(spec.id) ?? new Map<string, Advertising>();
    this.routers.set(spec.id, current);
    // Before the device (or its subnet) goes: the last word, lifetime 0.
    for (const [portId, entry] of current) {
      if (wanted.has(portId)) continue;
      entry.advertiser.retire();
      current.delete(portId);
    }
    await this.inner.apply(spec);
    for (const [portId, advertisement] of wanted) {
      const entry = current.get(portId);
      const key = keyOf(advertisement);
      if (entry !== undefined && !entry.advertiser.failing) {
        if (entry.key !== key) entry.advertiser.update(advertisement);
        entry.key = key;
        continue;
      }
      // New, or failing (the device may have been made anew by the converge: a new ifindex).
      entry?.advertiser.stop();
      current.delete(portId);
      const opened = this.openAdvertiser(spec.id, portId, advertisement);
      if (opened !== undefined) current.set(portId, { ...opened, key });
    }
    if (current.size === 0) this.routers.delete(spec.id);
  }

  async remove(routerId: string): Promise<void> {
    for (const entry of this.routers.get(routerId)?.values() ?? []) entry.advertiser.retire();
    this.routers.delete(routerId);
    await this.inner.remove(routerId);
  }

  list(): Promise<readonly string[]> {
    return this.inner.list();
  }

  /** Stops every advertiser without a final advertisement (the routers stay; docs/routers.md). */
  async close(): Promise<void> {
    for (const ports of this.routers.values()) for (const entry of ports.values()) entry.advertiser.stop();
    this.routers.clear();
    await this.inner.close?.();
  }

  /** What each advertising interface has sent and answered. */
  report(): InterfaceAdvertisementReport[] {
    return [...this.routers].flatMap(([routerId, ports]) =>
      [...ports].map(([portId, { device, advertiser }]) => ({
        routerId,
        portId,
        device,
        ...advertiser.counters,
      })),
    );
  }

  private openAdvertiser(
    routerId: string,
    portId: string,
    advertisement: RouterAdvertisement,
  ): { device: string; advertiser: RouterAdvertiser } | undefined {
    const device = routerInterfaceDeviceName(portId);
    try {
      let advertiser: RouterAdvertiser | undefined;
      const endpoint = this.options.open(this.options.namespaceOf(routerId), device, () =>
        advertiser?.solicited(),
      );
      advertiser = new RouterAdvertiser(endpoint, advertisement, {
        minMs: ROUTER_MIN_ADVERTISEMENT_INTERVAL_SECONDS * 1000,
        maxMs: ROUTER_MAX_ADVERTISEMENT_INTERVAL_SECONDS * 1000,
      });
      return { device, advertiser };
    } catch (error) {
      // Forwarding works without it; the next apply (event or resync) tries again.
      this.options.logger.error(
        { event: 'router.ra_open_failed', routerId, portId, err: error },
        'router advertisements not sent',
      );
      return undefined;
    }
  }
}
