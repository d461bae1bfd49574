import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostnameFromName, isDnsLabel } from './instance-service.js';

const ID = '3f1e2d4c-5b6a-4789-9abc-def012345678';

test('hostnameFromName sanitises like Nova and falls back to server-<id>', () => {
  const cases: [string, string][] = [
    ['vm1', 'vm1'],
    ['Web Server_1.example', 'web-server-1-example'],
    ['  --db--  ', 'db'],
    ['héllo wörld!', 'hllo-wrld'],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'b'.repeat(62)}-x`, 'b'.repeat(62)],
    ['', `server-${ID}`],
    ['!!!', `server-${ID}`],
  ];
  for (const [name, expected] of cases) {
    const hostname = hostnameFromName(name, ID);
    assert.equal(hostname, expected, JSON.stringify(name));
    assert.ok(isDnsLabel(hostname), `${hostname} is a DNS label`);
  }
});

test('isDnsLabel: letters, digits, inner hyphens, 1 to 63 characters', () => {
  for (const ok of ['a', 'vm-1', 'A1', '0', 'x'.repeat(63)]) assert.ok(isDnsLabel(ok), ok);
  for (const bad of ['', '-a', 'a-', 'a_b', 'a.b', 'x'.repeat(64), 'ü']) assert.ok(!isDnsLabel(bad), bad);
});
