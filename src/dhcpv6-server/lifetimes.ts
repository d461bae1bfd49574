/**
 * Lifetimes and T1/T2 of an address, as dnsmasq computes them (rfc3315.c `calculate_times`): the configured
 * lease, shortened to the client's hints when both are given sanely (preferred ≤ valid; each at least 120 s);
 * T1 half and T2 seven eighths of the preferred lifetime (RFC 8415 §21.4 recommends 0.5 and 0.8; dnsmasq's
 * 7/8 is kept so answers compare with its captured ones, test/fixtures/dhcpv6).
 */

/** 0xffffffff: infinity (RFC 8415 §7.7). */
export const INFINITY = 0xffffffff;
const MINIMUM_HINT = 120;

export interface Lifetimes {
  readonly preferred: number;
  readonly valid: number;
  readonly t1: number;
  readonly t2: number;
}

/** `leaseSeconds` -1 is infinite (Neutron's `dhcp_lease_duration`); hints of 0 mean "no preference". */
export function addressLifetimes(
  leaseSeconds: number,
  hint: { readonly preferred: number; readonly valid: number } | undefined,
): Lifetimes {
  const lease = leaseSeconds < 0 ? INFINITY : leaseSeconds;
  let preferred = lease;
  let valid = lease;
  if (hint !== undefined && hint.preferred <= hint.valid) {
    if (hint.preferred !== 0) preferred = Math.min(preferred, Math.max(hint.preferred, MINIMUM_HINT));
    if (hint.valid !== 0) valid = Math.min(valid, Math.max(hint.valid, MINIMUM_HINT));
  }
  if (preferred === INFINITY) return { preferred, valid, t1: INFINITY, t2: INFINITY };
  return { preferred, valid, t1: Math.floor(preferred / 2), t2: Math.floor((preferred * 7) / 8) };
}
