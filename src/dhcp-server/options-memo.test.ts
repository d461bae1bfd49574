import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireIpv4 } from '../common/ipv4.js';
import { readOption } from '../dhcp/option-values.js';
import { ip } from '../dhcp/testing/values.js';
import { NEUTRON_CLIENT_MATCHES } from './client-match.js';
import { buildServedSubnets, parseDhcpRange } from './dnsmasq/dhcp-range.js';
import { parseHostsFile } from './dnsmasq/hosts-file.js';
import { parseOptsFile } from './dnsmasq/option-line.js';
import { handleRequest } from './engine.js';
import { HostTable } from './host-table.js';
import { buildRequest } from './testing/requests.js';
import type { EngineConfig, ServerTables } from './types.js';

// The engine keeps, per host binding, the options it selected (src/dhcp-server/stages/configured-options.ts):
// these requests change one input at a time and check that the reply follows it.
const range = parseDhcpRange('set:tag0,10.77.0.0,static,255.255.0.0,86400s');
if (range.kind !== 'range') throw new Error('test range');
const config: EngineConfig = {
  interfaceName: 'ns-memo',
  subnets: buildServedSubnets([range.range], [{ address: requireIpv4('10.77.0.1'), prefixLength: 16 }]),
  domain: 'openstacklocal',
  dnsEnabled: false,
  clientMatches: NEUTRON_CLIENT_MATCHES,
};
const tables: ServerTables = {
  hosts: HostTable.build(
    parseHostsFile('fa:16:3e:00:00:05,host-10-77-1-5.openstacklocal,10.77.1.5\n').entries,
  ),
  options: parseOptsFile('tag:tag0,option:router,10.77.0.1').settings,
};
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('latin1');

describe('engine: the per-host memo of configured options follows what it depends on', () => {
  const request = (extraOptions?: ReadonlyMap<number, Uint8Array>) =>
    buildRequest({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', extraOptions });

  it('new tables (a new options list) give the new options to the same host at once', () => {
    const before = handleRequest(request(), config, tables);
    assert.ok(before.kind === 'reply' && !before.reply.options.has(42));
    const withNtp: ServerTables = {
      hosts: tables.hosts,
      options: [...tables.options, ...parseOptsFile('tag:tag0,option:ntp-server,10.77.0.9').settings],
    };
    const after = handleRequest(request(), config, withNtp);
    assert.ok(after.kind === 'reply');
    assert.deepEqual(readOption(after.reply.options, 42), { status: 'ok', value: [ip('10.77.0.9')] });
    const back = handleRequest(request(), config, tables);
    assert.ok(back.kind === 'reply' && !back.reply.options.has(42), 'and the old tables their own');
  });

  it('a tag the request sets (--dhcp-match) selects per request, not per host', () => {
    const ipxeTables: ServerTables = {
      hosts: tables.hosts,
      options: [...tables.options, ...parseOptsFile('tag:ipxe,option:ntp-server,10.77.0.10').settings],
    };
    const plain = () => handleRequest(request(), config, ipxeTables);
    const ipxe = () => handleRequest(request(new Map([[175, Uint8Array.of(1, 1, 1)]])), config, ipxeTables);
    for (const [decision, expected] of [
      [plain(), false],
      [ipxe(), true],
      [plain(), false],
      [ipxe(), true],
    ] as const) {
      assert.ok(decision.kind === 'reply');
      assert.equal(decision.reply.options.has(42), expected);
    }
  });

  it('a configuration with other subnets or settings is not answered from another one’s memo', () => {
    const first = handleRequest(request(), config, tables);
    const noDomain = handleRequest(request(), { ...config, domain: undefined }, tables);
    assert.ok(first.kind === 'reply' && noDomain.kind === 'reply');
    assert.equal(text(first.reply.options.get(15)), 'openstacklocal');
    assert.equal(noDomain.reply.options.has(15), false);
  });

  it('the options sent follow each request’s own list (option 55), alternating or absent', () => {
    const keys = (parameterRequestList: readonly number[] | null) => {
      const decision = handleRequest(
        buildRequest({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', parameterRequestList }),
        config,
        tables,
      );
      assert.ok(decision.kind === 'reply');
      return [...decision.reply.options.keys()];
    };
    const short = [53, 54, 51, 58, 59, 3, 1, 28];
    const reordered = [53, 54, 51, 58, 59, 15, 1, 3, 28];
    const none = [53, 54, 51, 58, 59, 1, 28, 15, 12, 3];
    assert.deepEqual(keys([3]), short);
    assert.deepEqual(keys([15, 1, 3, 3]), reordered);
    assert.deepEqual(keys([3]), short);
    assert.deepEqual(keys(null), none);
    assert.deepEqual(keys([15, 1, 3, 3]), reordered);
  });
});
