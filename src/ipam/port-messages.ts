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

/** 409 IpAddressGenerationFailureNoMatchingSubnet: subnets exist but none serves this device owner. */
export function noMatchingServiceSubnet(networkId: string, deviceOwner: string): IpamFailure {
  return fail(
    'IpAddressGenerationFailureNoMatchingSubnet',
    409,
    `No valid service subnet for the given device owner, network ${networkId}, service type ${deviceOwner}.`,
  );
}

/** 409 IpAddressAlreadyAllocated (Neutron's template has no final period). */
export function ipAddressAlreadyAllocated(ip: string, subnetId: string): IpamFailure {
  return fail('IpAddressAlreadyAllocated', 409, `IP address ${ip} already allocated in subnet ${subnetId}`);
}

/** 400 InvalidIpForSubnet. */
export function invalidIpForSubnet(ip: string): IpamFailure {
  return fail('InvalidIpForSubnet', 400, `IP address ${ip} is not a valid IP for the specified subnet.`);
}

/** 400 InvalidIpForNetwork. */
export function invalidIpForNetwork(ip: string): IpamFailure {
  return fail(
    'InvalidIpForNetwork',
    400,
    `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`,
  );
}

/** 400 AllocationOnAutoAddressSubnet. */
export function allocationOnAutoAddressSubnet(ip: string, subnetId: string): IpamFailure {
  return fail(
    'AllocationOnAutoAddressSubnet',
    400,
    `IPv6 address ${ip} cannot be directly assigned to a port on subnet ${subnetId} as the subnet is configured for automatic addresses`,
  );
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
