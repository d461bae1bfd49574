import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { encodeMessage } from '../dhcp/index.js';
import { buildServedSubnets, parseDhcpRange } from '../dhcp-server/dnsmasq/dhcp-range.js';
import { parseHostsFile } from '../dhcp-server/dnsmasq/hosts-file.js';
import { HostTable } from '../dhcp-server/host-table.js';
import { PacketLoop, type ServedState } from '../dhcp-server/packet-loop.js';
import { buildRequest } from '../dhcp-server/testing/requests.js';
import { replyLineWriter } from './reply-log-line.js';

const range = parseDhcpRange('set:tag0,10.77.0.0,static,255.255.0.0,86400s');
if (range.kind !== 'range') throw new Error('test range');
const served = range.range;

function state(interfaceName: string): ServedState {
  return {
    config: {
      interfaceName,
      subnets: buildServedSubnets([served], [{ address: 0x0a4d0001, prefixLength: 16 }]),
      domain: undefined,
      dnsEnabled: false,
      clientMatches: [],
    },
    tables: {
      hosts: HostTable.build(
        // Names are validated by the hosts parser; odd text reaches the line through the interface name.
        parseHostsFile('fa:16:3e:00:00:05,host-a,10.77.1.5\nfa:16:3e:00:00:06,10.77.1.6\n').entries,
      ),
      options: [],
    },
  };
}

/** A real pino logger as createLogger makes one (name binding, own time field), writing into `lines`. */
function logger(lines: string[], level = 'info') {
  const base = pino(
    { level, base: { name: 'serve' }, timestamp: () => ',"time":"2026-12-04T14:00:00.000Z"' },
    { write: (line: string) => lines.push(line) },
  );
  return base.child({ networkId: 'net-1' });
}

/** The lines one loop logs for a DISCOVER and a REQUEST of each MAC (and an unknown one). */
function run(interfaceName: string, hand: boolean, level = 'info', rounds = 1): string[] {
  const lines: string[] = [];
  const log = logger(lines, level);
  const replyLine = hand ? replyLineWriter(log) : undefined;
  if (hand) assert.ok(replyLine, 'a plain pino logger gets the hand-written line');
  // One state for the whole run when there are several rounds: the host bindings (and the line's per-host
  // text kept with them) are the same objects from one round to the next, as in a server.
  const stable = state(interfaceName);
  const loop = new PacketLoop(
    () => (rounds > 1 ? stable : state(interfaceName)),
    () => undefined,
    { logger: log, replyLine },
  );
  for (let round = 0; round < rounds; round++) {
    for (const mac of ['fa:16:3e:00:00:05', 'fa:16:3e:00:00:06', '02:00:00:00:00:01']) {
      loop.handlePacket(encodeMessage(buildRequest({ type: 'DISCOVER', mac })), '0.0.0.0');
      const requestedIp = `10.77.1.${Number.parseInt(mac.slice(-2), 16) + (round === 2 ? 1 : 0)}`;
      const request = buildRequest({ type: 'REQUEST', mac, requestedIp, serverId: '10.77.0.1' });
      loop.handlePacket(encodeMessage(request), '10.77.0.9');
    }
  }
  return lines;
}

describe('the hand-written per-reply line (serve)', () => {
  for (const interfaceName of ['ns-loop', 'ns-"odd"\\\té\u0001']) {
    it(`writes exactly pino's line (interface ${JSON.stringify(interfaceName)})`, () => {
      const byPino = run(interfaceName, false);
      const byHand = run(interfaceName, true);
      assert.equal(byPino.filter((line) => line.includes('"event":"dhcp.reply"')).length, 4);
      assert.deepEqual(byHand, byPino);
      for (const line of byHand) JSON.parse(line);
    });
  }

  it("writes pino's line when the same hosts answer again, and for a NAK of another address", () => {
    // Round 3 asks for the neighbour's address: NAKs, whose line shows the refused address, not the host's.
    const byPino = run('ns-loop', false, 'info', 3);
    const byHand = run('ns-loop', true, 'info', 3);
    assert.ok(byPino.some((line) => line.includes('DHCPNAK(ns-loop) 10.77.1.6 fa:16:3e:00:00:05')));
    assert.equal(byPino.filter((line) => line.includes('"event":"dhcp.reply"')).length, 12);
    assert.deepEqual(byHand, byPino);
  });

  it('follows the logger level: nothing at warn', () => {
    assert.deepEqual(run('ns-loop', true, 'warn'), run('ns-loop', false, 'warn'));
    assert.equal(run('ns-loop', true, 'warn').filter((line) => line.includes('dhcp.reply')).length, 0);
  });

  it('declines loggers whose lines it cannot reproduce (a mixin)', () => {
    const mixed = pino({ mixin: () => ({ extra: 1 }) }, { write: () => undefined });
    assert.equal(replyLineWriter(mixed), undefined);
  });
});
