import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import { parseIpAddrJson, readInterfaceAddresses } from './interface-addresses.js';

describe('interface addresses', () => {
  it('parses ip -j -4 addr output (primary first, other interfaces ignored)', () => {
    const json = JSON.stringify([
      {
        ifname: 'br0',
        addr_info: [
          { family: 'inet', local: '10.77.0.1', prefixlen: 16 },
          { family: 'inet', local: '10.78.0.1', prefixlen: 24 },
        ],
      },
      { ifname: 'eth9', addr_info: [{ family: 'inet', local: '192.0.2.1', prefixlen: 24 }] },
    ]);
    assert.deepEqual(parseIpAddrJson(json, 'br0'), [
      { address: '10.77.0.1', prefixLength: 16 },
      { address: '10.78.0.1', prefixLength: 24 },
    ]);
    assert.throws(
      () => parseIpAddrJson('not json', 'br0'),
      (error: unknown) => isQdhcpError(error, 'INTERFACE_LOOKUP_FAILED'),
    );
  });

  it('a missing interface is a clear error', async () => {
    await assert.rejects(readInterfaceAddresses('qdhcp-nosuch0'), (error: unknown) =>
      isQdhcpError(error, 'INTERFACE_LOOKUP_FAILED'),
    );
  });
});
