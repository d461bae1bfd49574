import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIpv4, requireIpv4 as parseIpv4 } from '../../common/ipv4.js';
import { NEUTRON_CLIENT_MATCHES } from '../client-match.js';
import { HostTable } from '../host-table.js';
import { parseLeaseTime } from '../lease-time.js';
import { clientMatchArgument, parseClientMatch } from './client-match-args.js';
import { buildServedSubnets, parseDhcpRange } from './dhcp-range.js';
import { parseHostsFile } from './hosts-file.js';
import { parseOptionLine, parseOptsFile } from './option-line.js';

describe('hosts file (spec §5.3 line forms)', () => {
  const cases: { line: string; expect: Record<string, unknown> | string }[] = [
    {
      line: 'fa:16:3e:df:cd:6b,host-10-60-0-64.openstacklocal,10.60.0.64',
      expect: {
        macs: ['fa:16:3e:df:cd:6b'],
        ip: '10.60.0.64',
        name: 'host-10-60-0-64.openstacklocal',
        tags: [],
        clientId: undefined,
      },
    },
    {
      line: 'fa:16:3e:b2:03:74,host-10-60-0-50.openstacklocal,10.60.0.50,set:port-a1dcadc7-1527-4d33-9b78-5d0c2daafe4f',
      expect: { ip: '10.60.0.50', tags: ['port-a1dcadc7-1527-4d33-9b78-5d0c2daafe4f'] },
    },
    {
      line: 'FA:16:3E:B2:03:74,id:01:fa:16:3e:b2:03:74,myvm.example.org.,10.60.0.51',
      expect: { macs: ['fa:16:3e:b2:03:74'], clientId: '01:fa:16:3e:b2:03:74', name: 'myvm.example.org.' },
    },
    {
      line: 'fa:16:3e:b2:03:74,id:client-1,h,10.60.0.52,set:port-x',
      expect: { clientId: '63:6c:69:65:6e:74:2d:31', tags: ['port-x'] },
    },
    { line: 'fa:16:3e:b2:03:74,id:*,h,10.60.0.53', expect: { clientId: undefined } },
    { line: 'fa:16:3e:b2:03:74,h,10.60.0.54,infinite', expect: { lease: { kind: 'infinite' } } },
    { line: 'fa:16:3e:b2:03:74,h,10.60.0.54,2h', expect: { lease: { kind: 'finite', seconds: 7200 } } },
    { line: 'fa:16:3e:b2:03:74,tag:dhcpv6,host-2001-db8--5.openstacklocal,[2001:db8::5]', expect: 'ipv6' },
    { line: 'fa:16:3e:b2:03:74,host-x,[2001:db8::5]', expect: 'ipv6' },
    { line: 'fa:16:3e:b2:03:74,set:port-x', expect: 'no-address' },
    { line: 'fa:16:3e:b2:03:74,host,10.60.0.300', expect: 'error' },
    { line: 'host-only,10.60.0.5', expect: 'error' },
    { line: 'fa:16:3e:b2:03:74,a,10.0.0.1,10.0.0.2', expect: 'error' },
    { line: 'fa:16:3e:*:*:*,a,10.0.0.1', expect: 'error' },
  ];
  for (const { line, expect } of cases) {
    it(line, () => {
      const parsed = parseHostsFile(line);
      if (typeof expect === 'string') {
        const kind =
          parsed.entries.length > 0
            ? 'entry'
            : parsed.skippedIpv6 > 0
              ? 'ipv6'
              : parsed.skippedNoAddress > 0
                ? 'no-address'
                : 'error';
        assert.equal(kind, expect);
        if (expect === 'error') assert.equal(parsed.errors[0]?.line, 1);
        return;
      }
      const entry = parsed.entries[0];
      assert.ok(entry, JSON.stringify(parsed.errors));
      for (const [key, value] of Object.entries(expect)) {
        const actual: unknown =
          key === 'ip' ? formatIpv4(entry.ip) : (entry as unknown as Record<string, unknown>)[key];
        assert.deepEqual(actual, value, key);
      }
    });
  }

  it('bad lines are reported with their number and the rest is kept', () => {
    const parsed = parseHostsFile(
      '# comment\nfa:16:3e:00:00:01,a,10.0.0.1\n\nnonsense line\nfa:16:3e:00:00:02,b,10.0.0.2\n',
    );
    assert.equal(parsed.entries.length, 2);
    assert.deepEqual(
      parsed.errors.map((e) => e.line),
      [4],
    );
  });
});

describe('host table', () => {
  it('later lines win for the same MAC; lookup filters by subnet', () => {
    const table = HostTable.build(
      parseHostsFile(
        'fa:16:3e:00:00:01,a,10.0.0.1\nfa:16:3e:00:00:01,b,10.0.0.2\nfa:16:3e:00:00:01,c,10.1.0.3',
      ).entries,
    );
    const in10_0 = (ip: number) => (ip & 0xffff0000) >>> 0 === parseIpv4('10.0.0.0');
    assert.equal(table.find('fa:16:3e:00:00:01', undefined, in10_0).entry?.name, 'b');
    assert.equal(table.find('fa:16:3e:00:00:01', undefined, () => true).entry?.name, 'c');
    const none = table.find('fa:16:3e:00:00:01', undefined, () => false);
    assert.deepEqual([none.entry, none.known], [undefined, true]);
    assert.equal(table.find('fa:16:3e:00:00:02', undefined, () => true).known, false);
    assert.equal(table.stats.duplicateAddresses, 0);
    const twice = HostTable.build(
      parseHostsFile('fa:16:3e:00:00:01,a,10.0.0.1\nfa:16:3e:00:00:02,b,10.0.0.1').entries,
    );
    assert.equal(twice.stats.duplicateAddresses, 1);
  });

  it('65,000 hosts are parsed and indexed well under a second, and looked up in O(1)', () => {
    const lines: string[] = [];
    for (let r = 0; r < 65000; r++) {
      const hex = r.toString(16).padStart(6, '0');
      const mac = `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
      const a = 1 + Math.floor(r / 256);
      const b = r % 256;
      lines.push(`${mac},host-10-77-${a}-${b}.openstacklocal,10.77.${a}.${b}`);
    }
    // CPU time, not wall time: the suite runs beside other tests on 2 cores, and steal would make wall time flaky.
    const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
    const started = process.cpuUsage();
    const parsed = parseHostsFile(`${lines.join('\n')}\n`);
    const table = HostTable.build(parsed.entries);
    const elapsedMs = cpuMs(process.cpuUsage(started));
    assert.equal(table.stats.entries, 65000);
    assert.equal(parsed.errors.length, 0);
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
    const lookupStart = process.cpuUsage();
    for (let i = 0; i < 100000; i++) table.find('fa:16:3e:00:fd:e7', undefined, () => true);
    const perLookupUs = (cpuMs(process.cpuUsage(lookupStart)) * 1000) / 100000;
    assert.equal(
      formatIpv4(table.find('fa:16:3e:00:fd:e7', undefined, () => true).entry?.ip ?? 0),
      '10.77.254.231',
    );
    assert.ok(perLookupUs < 10, `lookup ${perLookupUs} µs`);
  });
});

describe('dhcp-range', () => {
  it('Neutron form, untagged form, prefix length, default lease', () => {
    const tagged = parseDhcpRange('set:subnet-3a57,10.60.0.0,static,255.255.255.0,86400s');
    assert.deepEqual(
      tagged.kind === 'range' && [tagged.range.tag, formatIpv4(tagged.range.mask ?? 0), tagged.range.lease],
      ['subnet-3a57', '255.255.255.0', { kind: 'finite', seconds: 86400 }],
    );
    const untagged = parseDhcpRange('10.77.0.0,static,16,infinite');
    assert.deepEqual(
      untagged.kind === 'range' && [
        untagged.range.tag,
        formatIpv4(untagged.range.mask ?? 0),
        untagged.range.lease,
      ],
      [undefined, '255.255.0.0', { kind: 'infinite' }],
    );
    const noLease = parseDhcpRange('10.77.0.0,static');
    assert.deepEqual(noLease.kind === 'range' && [noLease.range.mask, noLease.range.lease.kind], [
      undefined,
      'finite',
    ]);
    assert.equal(parseDhcpRange('set:subnet-6,2001:db8::,static,64,86400s').kind, 'ipv6');
    for (const bad of [
      '10.0.0.10,10.0.0.20,12h',
      '10.0.0.0,static,255.0.255.0',
      '10.0.0.0,static,255.255.255.0,soon',
      'tag:x,10.0.0.0,static',
    ]) {
      assert.equal(parseDhcpRange(bad).kind, 'error', bad);
    }
  });

  it('server identifier is our on-link address, else our primary address', () => {
    const ranges = [
      'set:a,10.77.0.0,static,255.255.0.0,1h',
      'set:b,192.0.2.0,static,255.255.255.0,1h',
      'set:c,10.78.0.0,static',
    ].map((t) => {
      const r = parseDhcpRange(t);
      return r.kind === 'range' ? r.range : assert.fail(t);
    });
    const subnets = buildServedSubnets(ranges, [
      { address: parseIpv4('10.77.0.1'), prefixLength: 16 },
      { address: parseIpv4('10.78.0.1'), prefixLength: 24 },
    ]);
    assert.deepEqual(
      subnets.map((s) => [s.label, formatIpv4(s.serverAddress), s.onLink, formatIpv4(s.broadcast)]),
      [
        ['10.77.0.0/16', '10.77.0.1', true, '10.77.255.255'],
        ['192.0.2.0/24', '10.77.0.1', false, '192.0.2.255'],
        ['10.78.0.0/24', '10.78.0.1', true, '10.78.0.255'],
      ],
    );
  });
});

describe('options file and --dhcp-option values (spec §5.5)', () => {
  it('parses Neutron lines, skips option6, reports bad lines', () => {
    const parsed = parseOptsFile(
      [
        'tag:subnet-1,option:dns-server,192.0.2.53',
        'tag:subnet-1,option:classless-static-route,172.31.0.0/16,10.60.0.1,169.254.169.254/32,10.60.0.10,0.0.0.0/0,10.60.0.1',
        'tag:subnet-1,249,172.31.0.0/16,10.60.0.1,169.254.169.254/32,10.60.0.10,0.0.0.0/0,10.60.0.1',
        'tag:subnet-1,option:router',
        'tag:port-1,tag:ipxe,option:bootfile-name,http://x/boot.ipxe',
        'tag:subnet-6,option6:dns-server,[2001:db8::1]',
        'tag:subnet-1,option:no-such-thing,1',
        'tag:subnet-1,option:mtu,big',
      ].join('\n'),
    );
    assert.equal(parsed.settings.length, 5);
    assert.equal(parsed.skippedIpv6, 1);
    assert.deepEqual(
      parsed.errors.map((e) => e.line),
      [7, 8],
    );
    const [dns, routes, ms, router, boot] = parsed.settings;
    assert.deepEqual([dns?.code, [...(dns?.value ?? [])]], [6, [192, 0, 2, 53]]);
    assert.equal(routes?.code, 121);
    assert.deepEqual(ms?.value, routes?.value);
    assert.deepEqual([router?.code, router?.value.length], [3, 0]);
    assert.deepEqual(boot?.requiredTags, ['port-1', 'ipxe']);
  });

  it('--dhcp-option-force forms, T1 with a unit, negated tags', () => {
    const mtu = parseOptionLine('option:mtu,1500', true, 'cli');
    assert.deepEqual(mtu.kind === 'option' && [mtu.setting.code, [...mtu.setting.value], mtu.setting.force], [
      26,
      [5, 220],
      true,
    ]);
    const t1 = parseOptionLine('option:T1,600s', true, 'cli');
    assert.deepEqual(t1.kind === 'option' && [t1.setting.code, [...t1.setting.value]], [58, [0, 0, 2, 88]]);
    const negated = parseOptionLine('tag:!known,3,10.0.0.1', false, 'cli');
    assert.deepEqual(negated.kind === 'option' && negated.setting.excludedTags, ['known']);
    assert.equal(parseOptionLine('encap:175,5,1', false, 'cli').kind, 'error');
  });
});

describe('lease times', () => {
  const cases: [string, unknown][] = [
    ['86400s', { kind: 'finite', seconds: 86400 }],
    ['86400', { kind: 'finite', seconds: 86400 }],
    ['1h', { kind: 'finite', seconds: 3600 }],
    ['45m', { kind: 'finite', seconds: 2700 }],
    ['2d', { kind: 'finite', seconds: 172800 }],
    ['1w', { kind: 'finite', seconds: 604800 }],
    ['30s', { kind: 'finite', seconds: 120 }],
    ['infinite', { kind: 'infinite' }],
    ['soon', undefined],
  ];
  for (const [input, expected] of cases) it(input, () => assert.deepEqual(parseLeaseTime(input), expected));
});

describe('hosts loader (bytes → compact table)', () => {
  it('fast path and general path give the same bindings as the line parser', async () => {
    const { loadHostsSync } = await import('./hosts-loader.js');
    const text = [
      'fa:16:3e:00:00:01,host-10-0-0-1.openstacklocal,10.0.0.1',
      'FA:16:3E:00:00:02,host-10-0-0-2.openstacklocal,10.0.0.2,set:port-2',
      '  fa:16:3e:00:00:03,id:01:fa:16:3e:00:00:03,myvm.example.org.,10.0.0.3\r',
      '# comment',
      'fa:16:3e:00:00:04,h4,10.0.0.4,infinite',
      'fa:16:3e:00:00:05,host-x,[2001:db8::5]',
      'fa:16:3e:00:00:06,host-6,10.0.0.256',
      'fa:16:3e:00:00:07,set:port-7',
      '',
    ].join('\n');
    const loaded = loadHostsSync(Buffer.from(text));
    const reference = HostTable.build(parseHostsFile(text).entries);
    assert.deepEqual(
      [loaded.skippedIpv6, loaded.skippedNoAddress, loaded.errors.map((e) => e.line)],
      [1, 1, [7]],
    );
    assert.equal(loaded.contentLines, 7);
    for (const mac of ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02', 'fa:16:3e:00:00:03', 'fa:16:3e:00:00:04']) {
      assert.deepEqual(
        loaded.table.find(mac, undefined, () => true),
        reference.find(mac, undefined, () => true),
        mac,
      );
    }
    const byId = loaded.table.find('02:00:00:00:00:00', '01:fa:16:3e:00:00:03', () => true).entry;
    assert.equal(byId?.name, 'myvm.example.org.');
    assert.deepEqual(loaded.table.find('fa:16:3e:00:00:02', undefined, () => true).entry?.tags, ['port-2']);
    assert.equal(
      loaded.table.find('fa:16:3e:00:00:01', undefined, () => true).entry?.name,
      'host-10-0-0-1.openstacklocal',
    );
  });
});

describe('--dhcp-match / --dhcp-userclass (client-match-args.ts)', () => {
  it("Neutron's two matches render as Neutron writes them and parse back", () => {
    const args = NEUTRON_CLIENT_MATCHES.map(clientMatchArgument);
    assert.deepEqual(args, ['--dhcp-match=set:ipxe,175', '--dhcp-userclass=set:ipxe6,iPXE']);
    const parsed = args.map((arg) => {
      const [flag, value] = arg.slice(2).split(/=(.*)/s) as ['dhcp-match' | 'dhcp-userclass', string];
      return parseClientMatch(flag, value);
    });
    assert.deepEqual(parsed, NEUTRON_CLIENT_MATCHES);
  });

  it('option names resolve; what we cannot serve is refused with a reason', () => {
    assert.deepEqual(parseClientMatch('dhcp-match', 'set:arch,option:client-arch'), {
      kind: 'option',
      tag: 'arch',
      code: 93,
    });
    for (const text of ['175', 'set:,175', 'set:x,60,PXEClient', 'set:x,vi-encap:3561', 'set:x,nope']) {
      assert.equal(typeof parseClientMatch('dhcp-match', text), 'string', text);
    }
    assert.equal(typeof parseClientMatch('dhcp-userclass', 'set:x'), 'string');
  });
});
