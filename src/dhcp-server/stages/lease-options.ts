import { encodeOption } from '../../dhcp/option-values.js';
import { type LeaseTime, leaseSecondsOnWire, renewalTimes } from '../lease-time.js';
import { OPTION } from '../request-fields.js';
import { CONTINUE, type ServedSubnet, type Stage } from '../types.js';

/** Options 51, 58 and 59 of one lease as sent (58 and 59 only for a finite lease). */
interface LeaseBytes {
  readonly leaseTime: Uint8Array;
  readonly renewal: { readonly t1: Uint8Array; readonly t2: Uint8Array } | undefined;
}

// The encoded values per subnet and per lease object (both immutable, made when the configuration or the
// tables are loaded): encoding them per packet was four small allocations per reply (docs/performance.md,
// issue 17 item 3). Replies share the bytes; nothing writes into an option value after the engine.
const SERVER_IDS = new WeakMap<ServedSubnet, Uint8Array>();
const LEASES = new WeakMap<LeaseTime, LeaseBytes>();

function serverIdOf(subnet: ServedSubnet): Uint8Array {
  let bytes = SERVER_IDS.get(subnet);
  if (bytes === undefined) {
    bytes = encodeOption(OPTION.serverId, subnet.serverAddress);
    SERVER_IDS.set(subnet, bytes);
  }
  return bytes;
}

function leaseBytesOf(lease: LeaseTime): LeaseBytes {
  let bytes = LEASES.get(lease);
  if (bytes === undefined) {
    const times = lease.kind === 'finite' ? renewalTimes(lease.seconds) : undefined;
    bytes = {
      leaseTime: encodeOption(OPTION.leaseTime, leaseSecondsOnWire(lease)),
      renewal:
        times === undefined
          ? undefined
          : {
              t1: encodeOption(OPTION.renewalTime, times.t1),
              t2: encodeOption(OPTION.rebindingTime, times.t2),
            },
    };
    LEASES.set(lease, bytes);
  }
  return bytes;
}

/**
 * Server identifier (54) and the lease options that follow 53: lease time (51), T1 (58) = 50 % and
 * T2 (59) = 87.5 % of the lease (RFC 2131 §4.4.5). An infinite lease is 0xffffffff with no T1/T2. A NAK
 * carries only 54 and a message (56); an ACK to INFORM carries no lease fields (RFC 2131 §4.3.5).
 */
export const leaseOptions: Stage = {
  name: 'lease-options',
  run(exchange) {
    const subnet = exchange.subnet;
    if (subnet === undefined) return CONTINUE;
    exchange.replyOptions.set(OPTION.serverId, serverIdOf(subnet));
    if (exchange.replyType === 'NAK') {
      exchange.replyOptions.set(
        OPTION.message,
        encodeOption(OPTION.message, exchange.nakMessage ?? 'wrong address'),
      );
      return CONTINUE;
    }
    if (exchange.requestType === 'INFORM' || exchange.host === undefined) return CONTINUE;
    const lease = leaseBytesOf(exchange.host.lease ?? subnet.lease);
    exchange.replyOptions.set(OPTION.leaseTime, lease.leaseTime);
    if (lease.renewal !== undefined) {
      exchange.replyOptions.set(OPTION.renewalTime, lease.renewal.t1);
      exchange.replyOptions.set(OPTION.rebindingTime, lease.renewal.t2);
    }
    return CONTINUE;
  },
};
