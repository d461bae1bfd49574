/**
 * The identity associations of an answer (RFC 8415 §18.3): the host's fixed addresses in the first IA_NA,
 * static like dnsmasq's `--dhcp-range=…,static` hosts; a status inside every IA that gets nothing.
 */
import type { Dhcpv6Option, OptionOf } from '../dhcpv6/index.js';
import { findOptions, STATUS } from '../dhcpv6/index.js';
import { addressLifetimes } from './lifetimes.js';

/** How an IA the server has nothing for is answered, per request type. */
export type EmptyIaStatus = typeof STATUS.NoAddrsAvail | typeof STATUS.NoBinding;

/** The IA options of an Advertise or Reply for a request's IAs. */
export function answerIas(
  requestOptions: readonly Dhcpv6Option[],
  addresses: readonly bigint[],
  leaseSeconds: number,
  emptyStatus: EmptyIaStatus,
): Dhcpv6Option[] {
  const answers: Dhcpv6Option[] = [];
  let assigned = false;
  for (const ia of requestOptions) {
    if (ia.type === 'ia-na') {
      if (!assigned && addresses.length > 0) {
        answers.push(addressIa(ia, addresses, leaseSeconds));
        assigned = true;
      } else {
        answers.push(emptyIa(ia, emptyStatus));
      }
    } else if (ia.type === 'ia-ta') {
      // Temporary addresses are never assigned: Neutron has none to give.
      answers.push({ type: 'ia-ta', iaid: ia.iaid, options: [status(STATUS.NoAddrsAvail)] });
    } else if (ia.type === 'ia-pd') {
      answers.push({ type: 'ia-pd', iaid: ia.iaid, t1: 0, t2: 0, options: [status(STATUS.NoPrefixAvail)] });
    }
  }
  return answers;
}

function addressIa(
  request: OptionOf<'ia-na'>,
  addresses: readonly bigint[],
  leaseSeconds: number,
): Dhcpv6Option {
  const hints = findOptions(request.options, 'ia-addr');
  const options: Dhcpv6Option[] = [];
  let t1 = Number.MAX_SAFE_INTEGER;
  let t2 = Number.MAX_SAFE_INTEGER;
  for (const address of addresses) {
    const hint = hints.find((h) => h.address === address);
    const times = addressLifetimes(
      leaseSeconds,
      hint === undefined ? undefined : { preferred: hint.preferredLifetime, valid: hint.validLifetime },
    );
    t1 = Math.min(t1, times.t1);
    t2 = Math.min(t2, times.t2);
    options.push({
      type: 'ia-addr',
      address,
      preferredLifetime: times.preferred,
      validLifetime: times.valid,
      options: [],
    });
  }
  // An address the client asks for that is not its port's: lifetimes 0, so it stops using it (§18.3.4).
  for (const hint of hints) {
    if (!addresses.includes(hint.address)) {
      options.push({
        type: 'ia-addr',
        address: hint.address,
        preferredLifetime: 0,
        validLifetime: 0,
        options: [],
      });
    }
  }
  return { type: 'ia-na', iaid: request.iaid, t1, t2, options };
}

function emptyIa(request: OptionOf<'ia-na'>, code: EmptyIaStatus): Dhcpv6Option {
  return { type: 'ia-na', iaid: request.iaid, t1: 0, t2: 0, options: [status(code)] };
}

/** A Status Code option with dnsmasq's wording, so answers compare with its captured ones. */
export function status(code: number): OptionOf<'status-code'> {
  return { type: 'status-code', status: code, message: STATUS_TEXT[code] ?? '' };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  [STATUS.Success]: 'success',
  [STATUS.NoAddrsAvail]: 'no addresses available',
  [STATUS.NoBinding]: 'no binding found',
  [STATUS.NotOnLink]: 'confirm failed',
  [STATUS.NoPrefixAvail]: 'prefix unavailable',
};

/** Every address the client names in its IAs (Confirm, Release, Decline). */
export function requestedAddresses(requestOptions: readonly Dhcpv6Option[]): bigint[] {
  const addresses: bigint[] = [];
  for (const ia of requestOptions) {
    if (ia.type === 'ia-na' || ia.type === 'ia-ta') {
      for (const address of findOptions(ia.options, 'ia-addr')) addresses.push(address.address);
    }
  }
  return addresses;
}
