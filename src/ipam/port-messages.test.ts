import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fixedIpSubnetNotOnNetwork,
  ipAddressAlreadyAllocated,
  ipAddressGenerationFailure,
  subnetNotFound,
} from './port-messages.js';

// Each row: builder output vs the real server's NeutronError from the recorded transcripts.
test('port IPAM failures match the recorded Neutron errors', () => {
  const table: [ReturnType<typeof subnetNotFound>, string, number, string][] = [
    [
      ipAddressGenerationFailure('edb6b178-e66c-46b6-b7b6-afaafe6c7d36'),
      'IpAddressGenerationFailure',
      409,
      'No more IP addresses available on network edb6b178-e66c-46b6-b7b6-afaafe6c7d36.', // 08-err-ip-exhaustion
    ],
    [
      ipAddressAlreadyAllocated('10.20.0.50', '42ad409d-e960-4a86-b32e-ce1cd7fb3e2f'),
      'IpAddressAlreadyAllocated',
      409,
      'IP address 10.20.0.50 already allocated in subnet 42ad409d-e960-4a86-b32e-ce1cd7fb3e2f', // 05-err-duplicate-fixed-ip
    ],
    [subnetNotFound('sub-full'), 'SubnetNotFound', 404, 'Subnet sub-full could not be found.'], // 03
    [
      fixedIpSubnetNotOnNetwork('net-b', 'sub-x'),
      'InvalidInput',
      400,
      'Invalid input for operation: Failed to create port on network net-b, because fixed_ips included invalid subnet sub-x.',
    ],
  ];
  for (const [failure, type, status, message] of table) {
    assert.deepEqual(
      { type: failure.type, status: failure.status, message: failure.message },
      { type, status, message },
    );
  }
});
