import { encodeRouterAdvertisement, type RouterAdvertisement } from '../../../dhcpv6/index.js';
import type { Icmp6Endpoint } from '../../../linux/namespace-icmp6.js';
import { MAX_ADVERTISEMENT_INTERVAL_SECONDS } from './advertisement-of.js';

const ALL_NODES = 'ff02::1';
/** RFC 4861 §10: the first few unsolicited advertisements come quickly, then every 30–60 s (jittered). */
const INITIAL_ADVERTISEMENTS = 3;
const INITIAL_INTERVAL_MS = 4_000;
const MIN_INTERVAL_MS = 30_000;
/** RFC 4861 §10 MIN_DELAY_BETWEEN_RAS: answers to solicitations are multicast at most this often. */
const MIN_DELAY_BETWEEN_RAS_MS = 3_000;

/**
 * Sends one network's router advertisement from its DHCP namespace: unsolicited (three quickly, then every
 * 30–60 s) and in answer to Router Solicitations (multicast, at most once per 3 s). `update` replaces the
 * advertisement (a subnet or router interface changed); `stop` closes the socket and the timer.
 */
export class RouterAdvertiser {
  private bytes: Uint8Array;
  private timer: NodeJS.Timeout | undefined;
  private sentUnsolicited = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  readonly counters = { sent: 0, solicitations: 0, errors: 0 };

  constructor(
    private readonly endpoint: Icmp6Endpoint,
    advertisement: RouterAdvertisement,
  ) {
    this.bytes = encodeRouterAdvertisement(advertisement);
    this.tick();
  }

  /** A Router Solicitation arrived (the endpoint's callback). */
  solicited(): void {
    this.counters.solicitations += 1;
    if (Date.now() - this.lastSentAt >= MIN_DELAY_BETWEEN_RAS_MS) this.send();
  }

  update(advertisement: RouterAdvertisement): void {
    this.bytes = encodeRouterAdvertisement(advertisement);
    this.sentUnsolicited = 0;
    clearTimeout(this.timer);
    this.tick();
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
        : MIN_INTERVAL_MS + Math.random() * (MAX_ADVERTISEMENT_INTERVAL_SECONDS * 1000 - MIN_INTERVAL_MS);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private send(): void {
    try {
      this.endpoint.send(this.bytes, ALL_NODES);
      this.counters.sent += 1;
      this.lastSentAt = Date.now();
    } catch {
      // ENETDOWN while the device is re-plumbed, ENOBUFS: the next tick tries again.
      this.counters.errors += 1;
    }
  }
}
