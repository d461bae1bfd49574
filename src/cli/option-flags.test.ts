import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import type { OptionSpec } from '../common/config-options.js';
import { addOptionFlags, givenOptionFlags } from './option-flags.js';

const TABLE: readonly OptionSpec[] = [
  { key: 'dns_domain', sections: ['DEFAULT'], kind: 'string', default: 'x', help: 'domain' },
  { key: 'num_sync_threads', sections: ['DEFAULT'], kind: 'int', default: '8', help: 'threads' },
  { key: 'force_metadata', sections: ['DEFAULT'], kind: 'bool', default: 'false', help: 'force' },
  { key: 'enable_isolated_metadata', sections: ['DEFAULT'], kind: 'bool', default: 'true', help: 'iso' },
  { key: 'dhcp_driver', sections: ['DEFAULT'], flag: '--driver', kind: 'string', default: 'b', help: 'd' },
];

function parse(args: string[], style: Parameters<typeof addOptionFlags>[2]): Record<string, string> {
  const command = new Command().exitOverride();
  addOptionFlags(command, TABLE, style);
  command.parse(args, { from: 'user' });
  return givenOptionFlags(command, TABLE, style);
}

test('switch booleans, --no-x for those on by default, named flags; only given flags come back', () => {
  assert.deepEqual(
    parse(
      ['--force-metadata', '--no-enable-isolated-metadata', '--driver', 'dnsmasq', '--num-sync-threads', '2'],
      {
        booleans: 'switch',
      },
    ),
    {
      num_sync_threads: '2',
      force_metadata: 'true',
      enable_isolated_metadata: 'false',
      dhcp_driver: 'dnsmasq',
    },
  );
  assert.deepEqual(parse([], { booleans: 'switch' }), {});
});

test("value booleans take oslo.config's words; skipped options are not declared", () => {
  assert.deepEqual(parse(['--force-metadata', 'yes'], { booleans: 'value' }), { force_metadata: 'yes' });
  assert.throws(
    () => parse(['--dns-domain', 'd'], { booleans: 'value', skip: new Set(['dns_domain']) }),
    /unknown option/,
  );
});
