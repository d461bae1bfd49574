import { encodeRouterAdvertisement, type RouterAdvertisement } from '../../../dhcpv6/index.js';
import type { Icmp6Endpoint } from '../../../linux/namespace-icmp6.js';
import { MAX_ADVERTISEMENT_INTERVAL_SECONDS } from './advertisement-of.js';

const ALL_NODES = 'ff02::1';
/** RFC 4861 §10: the first few unsolicited advertisements come quickly, then every 30–60 s (jittered). */
const INITIAL_ADVERTISEMENTS = 3;
const INITIAL_INTERVAL_MS = 4_000;
const MIN_INTERVAL_MS = 30_000;
const MAX_INTERVAL_MS = MAX_ADVERTISEMENT_INTERVAL_SECONDS * 1000;
/** RFC 4861 §10 MIN_DELAY_BETWEEN_RAS: answers to solicitations are multicast at most this often. */
const MIN_DELAY_BETWEEN_RAS_MS = 3_000;

/** Between unsolicited advertisements after the first three (MinRtrAdvInterval, MaxRtrAdvInterval). */
export interface AdvertisementIntervals {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Sends one router advertisement on one device: unsolicited (three quickly, then every 30–60 s from a DHCP
 * namespace, or the intervals given: a router's are Neutron's 30–100 s) and in answer to Router
 * Solicitations (multicast, at most once per 3 s). `update` replaces the advertisement (a subnet or router
 * interface changed); `retire` sends it once more with router lifetime 0 (radvd does on shutdown: hosts
 * drop their default route through it at once) and stops; `stop` closes the socket and the timer.
 */
export class RouterAdvertiser {
  private advertisement: RouterAdvertisement;
  private bytes: Uint8Array;
  private timer: NodeJS.Timeout | undefined;
  private sentUnsolicited = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private lastSendFailed = false;
  readonly counters = { sent: 0, solicitations: 0, errors: 0 };

  constructor(
    private readonly endpoint: Icmp6Endpoint,
    advertisement: RouterAdvertisement,
    private readonly intervals: AdvertisementIntervals = { minMs: MIN_INTERVAL_MS, maxMs: MAX_INTERVAL_MS },
  ) {
    this.advertisement = advertisement;
    this.bytes = encodeRouterAdvertisement(advertisement);
    this.tick();
  }

  /** The last send failed (the device may have been made anew: its owner may open the socket again). */
  get failing(): boolean {
    return this.lastSendFailed;
  }

  /** A Router Solicitation arrived (the endpoint's callback). */
  solicited(): void {
    this.counters.solicitations += 1;
    if (Date.now() - this.lastSentAt >= MIN_DELAY_BETWEEN_RAS_MS) this.send();
  }

  update(advertisement: RouterAdvertisement): void {
    this.advertisement = advertisement;
    this.bytes = encodeRouterAdvertisement(advertisement);
    this.sentUnsolicited = 0;
    clearTimeout(this.timer);
    this.tick();
  }

  /** The last advertisement, with router lifetime 0 (the rest unchanged, as radvd's), then {@link stop}. */
  retire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.bytes = encodeRouterAdvertisement({ ...this.advertisement, routerLifetimeSeconds: 0 });
    this.send();
    this.stop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.endpoint.close();
  }

  private tick(): void {
    this.send();
    this.sentUnsolicited += 1;
    const delay =
      this.sentUnsolicited < INITIAL_ADVERTISEMENTS
        ? INITIAL_INTERVAL_MS
        : this.intervals.minMs + Math.random() * (this.intervals.maxMs - this.intervals.minMs);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private send(): void {
    try {
      this.endpoint.send(this.bytes, ALL_NODES);
      this.counters.sent += 1;
      this.lastSentAt = Date.now();
      this.lastSendFailed = false;
    } catch {
      // ENETDOWN while the device is re-plumbed, no link-local address yet (duplicate address detection),
      // ENOBUFS: the next tick tries again.
      this.counters.errors += 1;
      this.lastSendFailed = true;
    }
  }
}
