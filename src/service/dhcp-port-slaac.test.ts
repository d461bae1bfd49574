import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';

forEachAgentBackend('dhcp.ensure_port on a network with a SLAAC subnet', (client) => {
  test('the DHCP port keeps its automatic (EUI-64) address: it is never named in the request', async () => {
    await client.report('slaac-host');
    const created = await client.request('POST', '/v2.0/networks', { network: { name: 'slaac' } });
    const networkId = (created.body['network'] as { id: string }).id;
    const subnet = async (fields: Record<string, unknown>) => {
      const reply = await client.request('POST', '/v2.0/subnets', {
        subnet: { network_id: networkId, ...fields },
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return (reply.body['subnet'] as { id: string }).id;
    };
    const v4 = await subnet({ cidr: '10.84.0.0/24', ip_version: 4 });
    const ask = (subnetIds: string[]) =>
      client.rpc('dhcp.ensure_port', { host: 'slaac-host', networkId, deviceId: 'dhcp-slaac', subnetIds });
    assert.ok((await ask([v4])).port);
    // A SLAAC subnet added later: every port, the DHCP port included, gets its EUI-64 address at once.
    const slaac = await subnet({
      ...{ cidr: 'fd00:84::/64', ip_version: 6 },
      ...{ ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' },
    });
    const v6 = await subnet({ cidr: 'fd00:85::/64', ip_version: 6, ipv6_address_mode: 'dhcpv6-stateful' });
    const port = (await ask([v4, slaac, v6])).port;
    const on = (id: string) => port?.fixed_ips.filter((ip) => ip.subnet_id === id).map((ip) => ip.ip_address);
    assert.equal(on(slaac)?.length, 1);
    assert.match(on(slaac)?.[0] ?? '', /^fd00:84::/);
    assert.equal(on(v6)?.length, 1);
    const again = (await ask([v4, slaac, v6])).port;
    assert.equal(again?.revision_number, port?.revision_number, 'complete: nothing changes');
  });
});
