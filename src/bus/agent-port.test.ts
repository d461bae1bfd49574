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
