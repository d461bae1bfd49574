import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { AgentPort, agentPortOf } from './dhcp-agent-rpc.js';

const CONTRACT_FIELDS = new Set(Object.keys(AgentPort.properties));

test('agentPortOf keeps the contract fields of any port view, with the same values, and nothing else', () => {
  fc.assert(
    fc.property(
      fc.record(
        {
          id: fc.uuid(),
          mac_address: fc.constant('fa:16:3e:00:00:01'),
          fixed_ips: fc.array(fc.record({ subnet_id: fc.uuid(), ip_address: fc.ipV4() }), { maxLength: 3 }),
          device_owner: fc.constantFrom('compute:nova', 'network:dhcp', ''),
          device_id: fc.string(),
          admin_state_up: fc.boolean(),
          revision_number: fc.nat(),
          status: fc.constantFrom('ACTIVE', 'DOWN'),
          extra_dhcp_opts: fc.constant(null),
          project_id: fc.string(),
          tenant_id: fc.string(),
          name: fc.string(),
          description: fc.string(),
          created_at: fc.string(),
          tags: fc.array(fc.string()),
        },
        { requiredKeys: ['id', 'mac_address', 'fixed_ips'] },
      ),
      (view) => {
        assert.ok(Value.Check(AgentPort, view));
        const kept = agentPortOf(view);
        assert.ok(Value.Check(AgentPort, kept));
        for (const [key, value] of Object.entries(view)) {
          if (CONTRACT_FIELDS.has(key)) assert.equal(Reflect.get(kept, key), value, key);
          else assert.equal(key in kept, false, `${key} dropped`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('a view holding every contract field keeps every one (a field added to AgentPort but not to agentPortOf fails here)', () => {
  const view = {
    id: '8c0f3f8e-6e2a-4f55-9d39-0b1d5f0f0a01',
    mac_address: 'fa:16:3e:00:00:02',
    fixed_ips: [{ subnet_id: '8c0f3f8e-6e2a-4f55-9d39-0b1d5f0f0a02', ip_address: '10.0.0.5' }],
    network_id: '8c0f3f8e-6e2a-4f55-9d39-0b1d5f0f0a03',
    device_owner: 'compute:nova',
    device_id: 'vm-1',
    admin_state_up: true,
    revision_number: 3,
    status: 'DOWN',
    project_id: 'p1',
    tenant_id: 'p1',
    extra_dhcp_opts: [],
    dns_assignment: [],
    security_groups: ['8c0f3f8e-6e2a-4f55-9d39-0b1d5f0f0a04'],
  };
  assert.deepEqual(
    Object.keys(view).sort(),
    [...CONTRACT_FIELDS].sort(),
    'the fixture names every contract field',
  );
  assert.deepEqual(agentPortOf(view), view);
});
