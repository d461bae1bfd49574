/**
 * Lease durations as dnsmasq writes them (`86400s`, `45m`, `1h`, `2d`, `1w`, a bare number of seconds, or
 * `infinite`). RFC 2132 §9.2: the lease time is a uint32 of seconds, 0xffffffff meaning infinite.
 */

/** A lease duration: finite seconds, or infinite (no expiry, no T1/T2 sent). */
export type LeaseTime = { readonly kind: 'finite'; readonly seconds: number } | { readonly kind: 'infinite' };

/** Wire value of an infinite lease (RFC 2132 §9.2). */
export const INFINITE_LEASE_SECONDS = 0xffffffff;

/** dnsmasq's floor for lease times: anything shorter is raised to 2 minutes. */
export const MINIMUM_LEASE_SECONDS = 120;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses a dnsmasq lease duration; undefined when the text is not one. Values below 120 s become 120 s. */
export function parseLeaseTime(text: string): LeaseTime | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'infinite') return { kind: 'infinite' };
  const match = /^(\d{1,10})([smhdw]?)$/.exec(lower);
  if (match === null) return undefined;
  const unit = UNIT_SECONDS[match[2] || 's'] ?? 1;
  return servedLease({ kind: 'finite', seconds: Number(match[1]) * unit });
}

/** The lease dnsmasq actually serves for a configured one: at least 120 s, infinite from 0xffffffff s on. */
export function servedLease(lease: LeaseTime): LeaseTime {
  if (lease.kind === 'infinite' || lease.seconds >= INFINITE_LEASE_SECONDS) return { kind: 'infinite' };
  return { kind: 'finite', seconds: Math.max(lease.seconds, MINIMUM_LEASE_SECONDS) };
}

/** dnsmasq's text for a lease: `86400s` or `infinite`. */
export function leaseTimeText(lease: LeaseTime): string {
  return lease.kind === 'infinite' ? 'infinite' : `${lease.seconds}s`;
}

/** The value written in option 51 for a lease. */
export function leaseSecondsOnWire(lease: LeaseTime): number {
  return lease.kind === 'infinite' ? INFINITE_LEASE_SECONDS : lease.seconds;
}

/**
 * T1 and T2 of a finite lease as dnsmasq sends them (rfc2131.c `do_options`): ½ and ⅞ of the lease
 * (RFC 2131 §4.4.5), each replaced by a configured value that is shorter than the lease and longer than
 * 2 s; T1 is then kept below T2. (dnsmasq also subtracts a random fuzz on renewals; we do not.)
 */
export function renewalTimes(
  leaseSeconds: number,
  configuredT1?: number,
  configuredT2?: number,
): { readonly t1: number; readonly t2: number } {
  const usable = (value: number | undefined): value is number =>
    value !== undefined && value < leaseSeconds && value > 2;
  let t1 = usable(configuredT1) ? configuredT1 : Math.floor(leaseSeconds / 2);
  const t2 = usable(configuredT2) ? configuredT2 : Math.floor((leaseSeconds * 7) / 8);
  if (t2 <= t1) t1 = t2 - 1;
  return { t1, t2 };
}
