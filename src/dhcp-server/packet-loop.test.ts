import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, formatIpv4 } from '../dhcp/index.js';
import { buildServedSubnets, parseDhcpRange } from './dnsmasq/dhcp-range.js';
import { parseHostsFile } from './dnsmasq/hosts-file.js';
import { HostTable } from './host-table.js';
import { type PacketLog, PacketLoop, type ServedState } from './packet-loop.js';
import type { ReplyDestination } from './reply-destination.js';
import { buildRequest } from './testing/requests.js';

const range = parseDhcpRange('set:tag0,10.77.0.0,static,255.255.0.0,86400s');
if (range.kind !== 'range') throw new Error('test range');
const state: ServedState = {
  config: {
    interfaceName: 'ns-loop',
    subnets: buildServedSubnets([range.range], [{ address: 0x0a4d0001, prefixLength: 16 }]),
    domain: undefined,
    dnsEnabled: false,
    clientMatches: [],
  },
  tables: {
    hosts: HostTable.build(parseHostsFile('fa:16:3e:00:00:05,host-a,10.77.1.5\n').entries),
    options: [],
  },
};

function harness(options: { quietDhcp?: boolean; withLogger?: boolean } = {}) {
  const lines: { level: string; message: string }[] = [];
  const log = (level: string) => (_fields: object, message: string) => lines.push({ level, message });
  const logger: PacketLog = {
    info: log('info'),
    warn: log('warn'),
    debug: log('debug'),
    error: log('error'),
  };
  const sent: { destination: ReplyDestination; source: number }[] = [];
  const traced: string[] = [];
  let now = 0;
  const loop = new PacketLoop(
    () => state,
    (_bytes, destination, source) => sent.push({ destination, source }),
    {
      logger: options.withLogger === false ? undefined : logger,
      quietDhcp: options.quietDhcp,
      trace: (xid, trace) => traced.push(`${xid}:${trace.length}`),
      now: () => now,
    },
  );
  return { loop, lines, sent, traced, advance: (ms: number) => (now += ms) };
}
const discover = (mac: string) => encodeMessage(buildRequest({ type: 'DISCOVER', mac }));

describe('the shared packet loop (serve and the builtin driver)', () => {
  it('answers from the server id, counts, logs one dnsmasq line and hands the trace over', () => {
    const { loop, lines, sent, traced } = harness();
    loop.handlePacket(discover('fa:16:3e:00:00:05'), '0.0.0.0');
    assert.equal(sent.length, 1);
    assert.equal(formatIpv4(sent[0]?.source ?? 0), '10.77.0.1');
    assert.equal(loop.counters.get('received.DISCOVER'), 1);
    assert.equal(loop.counters.get('sent.OFFER'), 1);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['DHCPOFFER(ns-loop) 10.77.1.5 fa:16:3e:00:00:05 host-a'],
    );
    assert.equal(traced.length, 1);
  });

  it('decode errors: one counter name for both users, logged once per source per 10 s', () => {
    const { loop, lines, advance } = harness();
    for (let i = 0; i < 3; i++) loop.handlePacket(Buffer.from('not dhcp'), '10.77.0.9');
    assert.equal(loop.counters.get('dropped.decode-error'), 3);
    assert.equal(lines.filter((l) => l.level === 'warn').length, 1);
    advance(10_000);
    loop.handlePacket(Buffer.from('not dhcp'), '10.77.0.9');
    assert.equal(lines.filter((l) => l.level === 'warn').length, 2);
  });

  it('drops of one MAC are logged once a minute; quiet mode keeps NAKs only; no logger logs nothing', () => {
    const { loop, lines } = harness({ quietDhcp: true });
    loop.handlePacket(discover('02:00:00:00:00:01'), '0.0.0.0');
    loop.handlePacket(discover('02:00:00:00:00:01'), '0.0.0.0');
    loop.handlePacket(discover('fa:16:3e:00:00:05'), '0.0.0.0');
    assert.equal(loop.counters.get('dropped.unknown-client'), 2);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['DHCPDISCOVER(ns-loop) 02:00:00:00:00:01 no address available'],
    );
    const silent = harness({ withLogger: false });
    silent.loop.handlePacket(discover('fa:16:3e:00:00:05'), '0.0.0.0');
    assert.equal(silent.loop.counters.get('sent.OFFER'), 1);
    assert.equal(silent.lines.length, 0);
  });
});
