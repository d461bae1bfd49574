/**
 * Neutron's port-IPAM failures, worded exactly (neutron_lib/exceptions, neutron/ipam/exceptions.py;
 * texts checked against the recorded transcripts where they appear there).
 *
 * @module
 */

import { fail, type IpamFailure, invalidInput } from './result.js';

/** 409 IpAddressGenerationFailure: a group of candidate subnets has no free address. */
export function ipAddressGenerationFailure(networkId: string): IpamFailure {
  return fail('IpAddressGenerationFailure', 409, `No more IP addresses available on network ${networkId}.`);
}

/** 409 IpAddressAlreadyAllocated (Neutron's template has no final period). */
export function ipAddressAlreadyAllocated(ip: string, subnetId: string): IpamFailure {
  return fail('IpAddressAlreadyAllocated', 409, `IP address ${ip} already allocated in subnet ${subnetId}`);
}

/** 404 SubnetNotFound. */
export function subnetNotFound(subnetId: string): IpamFailure {
  return fail('SubnetNotFound', 404, `Subnet ${subnetId} could not be found.`);
}

/**
 * 400 InvalidInput for a `fixed_ips` subnet that exists but is not a candidate of the port's network
 * (`networkIdOfSubnet` is the network the subnet really belongs to, as Neutron reports it).
 */
export function fixedIpSubnetNotOnNetwork(networkIdOfSubnet: string, subnetId: string): IpamFailure {
  return invalidInput(
    `Failed to create port on network ${networkIdOfSubnet}, because fixed_ips included invalid subnet ${subnetId}`,
  );
}
