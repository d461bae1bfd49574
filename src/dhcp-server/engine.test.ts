import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireIpv4 as parseIpv4 } from '../common/ipv4.js';
import { formatIpv4 } from '../dhcp/index.js';
import { readOption } from '../dhcp/option-values.js';
import { ip, route } from '../dhcp/testing/values.js';
import { NEUTRON_CLIENT_MATCHES } from './client-match.js';
import { buildServedSubnets, parseDhcpRange } from './dnsmasq/dhcp-range.js';
import { parseHostsFile } from './dnsmasq/hosts-file.js';
import { parseOptionLine, parseOptsFile } from './dnsmasq/option-line.js';
import { handleRequest } from './engine.js';
import { HostTable } from './host-table.js';
import type { OptionSetting } from './option-setting.js';
import { buildRequest, type RequestShape } from './testing/requests.js';
import type { Decision, EngineConfig, ServerTables } from './types.js';

const HOSTS = `
fa:16:3e:00:00:05,host-10-77-1-5.openstacklocal,10.77.1.5
fa:16:3e:00:00:06,host-10-77-1-6.openstacklocal,10.77.1.6,set:port-six
fa:16:3e:00:00:07,id:01:aa:bb:cc:dd:ee:ff,host-10-77-1-7.openstacklocal,10.77.1.7
fa:16:3e:00:00:08,host-10-78-0-8.openstacklocal,10.78.0.8
fa:16:3e:00:00:09,host-192-0-2-9,192.0.2.9,infinite
fa:16:3e:00:00:0a,host-10-77-1-10,10.77.1.10,ignore
fa:16:3e:00:00:0b,host-10-79-0-11,10.79.0.11
`;
const OPTS = `tag:tag0,option:router,10.77.0.1
tag:tag0,option:dns-server,10.77.0.1
tag:tag0,option:classless-static-route,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.1
tag:tag0,249,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.1
tag:port-six,option:bootfile-name,pxelinux.0
tag:port-six,tag:ipxe,option:tftp-server,ipxe.example
tag:tag1,option:router
tag:tag1,option:dns-server,10.78.0.53
tag:relay,option:router,192.0.2.1`;

function range(text: string) {
  const result = parseDhcpRange(text);
  assert.equal(result.kind, 'range');
  return result.kind === 'range' ? result.range : assert.fail();
}

const config: EngineConfig = {
  interfaceName: 'ns-test',
  subnets: buildServedSubnets(
    [
      range('set:tag0,10.77.0.0,static,255.255.0.0,86400s'),
      range('set:tag1,10.78.0.0,static,255.255.255.0,1h'),
      range('set:relay,192.0.2.0,static,255.255.255.0,infinite'),
    ],
    [
      { address: parseIpv4('10.77.0.1'), prefixLength: 16 },
      { address: parseIpv4('10.78.0.1'), prefixLength: 24 },
    ],
  ),
  domain: 'openstacklocal',
  dnsEnabled: false,
  clientMatches: NEUTRON_CLIENT_MATCHES,
};
const force = parseOptionLine('option:mtu,1450', true, '--dhcp-option-force');
assert.equal(force.kind, 'option');
const tables: ServerTables = {
  hosts: HostTable.build(parseHostsFile(HOSTS).entries),
  options: [
    ...(force.kind === 'option' ? [force.setting] : []),
    ...parseOptsFile(OPTS).settings,
  ] as OptionSetting[],
};

function handle(shape: RequestShape, trace = false): Decision {
  return handleRequest(buildRequest(shape), config, tables, { trace });
}
function reply(shape: RequestShape) {
  const decision = handle(shape);
  if (decision.kind !== 'reply') assert.fail(`expected a reply, got ${decision.reason}: ${decision.detail}`);
  return decision;
}
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('latin1');

describe('engine: replies and their destinations (RFC 2131 §4.1, §4.3)', () => {
  const cases: {
    name: string;
    shape: RequestShape;
    replyType: 'OFFER' | 'ACK' | 'NAK';
    yourIp: string;
    destination: string;
  }[] = [
    {
      name: 'DISCOVER → OFFER unicast to yiaddr at chaddr',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:05' },
      replyType: 'OFFER',
      yourIp: '10.77.1.5',
      destination: 'unicast-to-hardware 10.77.1.5:68',
    },
    {
      name: 'DISCOVER with broadcast flag → broadcast',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', broadcast: true },
      replyType: 'OFFER',
      yourIp: '10.77.1.5',
      destination: 'broadcast :68',
    },
    {
      name: 'relayed DISCOVER → giaddr:67',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', giaddr: '10.77.0.2' },
      replyType: 'OFFER',
      yourIp: '10.77.1.5',
      destination: 'relay 10.77.0.2:67',
    },
    {
      name: 'relayed DISCOVER from a relay-only subnet',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:09', giaddr: '192.0.2.1' },
      replyType: 'OFFER',
      yourIp: '192.0.2.9',
      destination: 'relay 192.0.2.1:67',
    },
    {
      name: 'REQUEST SELECTING, our server id, right address → ACK',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', serverId: '10.77.0.1', requestedIp: '10.77.1.5' },
      replyType: 'ACK',
      yourIp: '10.77.1.5',
      destination: 'unicast-to-hardware 10.77.1.5:68',
    },
    {
      name: 'REQUEST SELECTING, wrong address → NAK broadcast',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', serverId: '10.77.0.1', requestedIp: '10.77.1.99' },
      replyType: 'NAK',
      yourIp: '0.0.0.0',
      destination: 'broadcast :68',
    },
    {
      name: 'REQUEST INIT-REBOOT, right address → ACK',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', requestedIp: '10.77.1.5' },
      replyType: 'ACK',
      yourIp: '10.77.1.5',
      destination: 'unicast-to-hardware 10.77.1.5:68',
    },
    {
      name: 'REQUEST INIT-REBOOT, other network → NAK',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', requestedIp: '10.99.0.5' },
      replyType: 'NAK',
      yourIp: '0.0.0.0',
      destination: 'broadcast :68',
    },
    {
      name: 'REQUEST RENEWING (ciaddr) → ACK unicast to ciaddr',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.5' },
      replyType: 'ACK',
      yourIp: '10.77.1.5',
      destination: 'unicast 10.77.1.5:68',
    },
    {
      name: 'REQUEST REBINDING with a stale ciaddr → NAK',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.50', broadcast: true },
      replyType: 'NAK',
      yourIp: '0.0.0.0',
      destination: 'broadcast :68',
    },
    {
      name: 'relayed NAK goes to the relay',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', requestedIp: '10.77.9.9', giaddr: '10.77.0.2' },
      replyType: 'NAK',
      yourIp: '0.0.0.0',
      destination: 'relay 10.77.0.2:67',
    },
    {
      name: 'INFORM → ACK to ciaddr, no yiaddr',
      shape: { type: 'INFORM', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.5' },
      replyType: 'ACK',
      yourIp: '0.0.0.0',
      destination: 'unicast 10.77.1.5:68',
    },
    {
      name: 'INFORM from an unknown client is answered',
      shape: { type: 'INFORM', mac: '02:00:00:00:00:01', ciaddr: '10.77.5.5' },
      replyType: 'ACK',
      yourIp: '0.0.0.0',
      destination: 'unicast 10.77.5.5:68',
    },
    {
      name: 'host on a second on-link subnet',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:08' },
      replyType: 'OFFER',
      yourIp: '10.78.0.8',
      destination: 'unicast-to-hardware 10.78.0.8:68',
    },
    {
      name: 'client-id match wins over MAC',
      shape: {
        type: 'DISCOVER',
        mac: '02:00:00:00:00:99',
        clientId: Uint8Array.of(1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff),
      },
      replyType: 'OFFER',
      yourIp: '10.77.1.7',
      destination: 'unicast-to-hardware 10.77.1.7:68',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const decision = reply(testCase.shape);
      assert.equal(decision.replyType, testCase.replyType);
      assert.equal(formatIpv4(decision.reply.yourIp), testCase.yourIp);
      const d = decision.destination;
      const where =
        d.kind === 'broadcast' ? `broadcast :${d.port}` : `${d.kind} ${formatIpv4(d.address)}:${d.port}`;
      assert.equal(where, testCase.destination);
      assert.equal(decision.reply.op, 'BOOTREPLY');
      assert.equal(decision.reply.transactionId, 0x12345678);
    });
  }
});

describe('engine: silent cases (drop with a reason)', () => {
  const cases: { name: string; shape: RequestShape; reason: string }[] = [
    { name: 'unknown MAC', shape: { type: 'DISCOVER', mac: '02:00:00:00:00:00' }, reason: 'unknown-client' },
    {
      name: 'known MAC relayed from another subnet',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', giaddr: '10.78.0.2' },
      reason: 'wrong-subnet',
    },
    {
      name: 'host on a subnet not on the interface',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:09' },
      reason: 'wrong-subnet',
    },
    {
      name: 'host outside every range',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:0b' },
      reason: 'wrong-subnet',
    },
    {
      name: 'relay in no served subnet',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', giaddr: '198.51.100.1' },
      reason: 'no-subnet',
    },
    {
      name: 'host line with ignore',
      shape: { type: 'DISCOVER', mac: 'fa:16:3e:00:00:0a' },
      reason: 'ignored-host',
    },
    {
      name: 'REQUEST for another server',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05', serverId: '10.77.0.200', requestedIp: '10.77.1.5' },
      reason: 'not-for-us',
    },
    {
      name: 'REQUEST with nothing to check',
      shape: { type: 'REQUEST', mac: 'fa:16:3e:00:00:05' },
      reason: 'bad-request',
    },
    {
      name: 'REQUEST from an unknown client',
      shape: { type: 'REQUEST', mac: '02:00:00:00:00:00', requestedIp: '10.77.1.5' },
      reason: 'unknown-client',
    },
    {
      name: 'RELEASE',
      shape: { type: 'RELEASE', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.5', serverId: '10.77.0.1' },
      reason: 'release',
    },
    {
      name: 'DECLINE',
      shape: { type: 'DECLINE', mac: 'fa:16:3e:00:00:05', requestedIp: '10.77.1.5', serverId: '10.77.0.1' },
      reason: 'decline',
    },
    {
      name: 'OFFER sent by a client',
      shape: { type: 'OFFER', mac: 'fa:16:3e:00:00:05' },
      reason: 'unsupported-message-type',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const decision = handle(testCase.shape);
      assert.equal(decision.kind, 'drop');
      if (decision.kind === 'drop') assert.equal(decision.reason, testCase.reason, decision.detail);
    });
  }

  it('a BOOTREPLY or a BOOTP request is dropped', () => {
    const request = buildRequest({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05' });
    const asReply = handleRequest({ ...request, op: 'BOOTREPLY' }, config, tables);
    assert.equal(asReply.kind === 'drop' && asReply.reason, 'not-a-request');
    const bootp = handleRequest({ ...request, options: new Map() }, config, tables);
    assert.equal(bootp.kind === 'drop' && bootp.reason, 'no-message-type');
  });
});

describe('engine: options', () => {
  it('ACK carries dnsmasq’s set in 53, 54, lease, then option 55 order, then forced MTU', () => {
    const decision = reply({
      type: 'REQUEST',
      mac: 'fa:16:3e:00:00:05',
      serverId: '10.77.0.1',
      requestedIp: '10.77.1.5',
    });
    assert.deepEqual([...decision.reply.options.keys()], [53, 54, 51, 58, 59, 1, 3, 6, 12, 15, 28, 26, 121]);
    const o = decision.reply.options;
    assert.deepEqual(readOption(o, 51), { status: 'ok', value: 86400 });
    assert.deepEqual(readOption(o, 58), { status: 'ok', value: 43200 });
    assert.deepEqual(readOption(o, 59), { status: 'ok', value: 75600 });
    assert.deepEqual(readOption(o, 1), { status: 'ok', value: ip('255.255.0.0') });
    assert.deepEqual(readOption(o, 28), { status: 'ok', value: ip('10.77.255.255') });
    assert.deepEqual(readOption(o, 54), { status: 'ok', value: ip('10.77.0.1') });
    assert.equal(text(o.get(12)), 'host-10-77-1-5');
    assert.equal(text(o.get(15)), 'openstacklocal');
    assert.deepEqual(readOption(o, 26), { status: 'ok', value: 1450 });
    assert.deepEqual(readOption(o, 121), {
      status: 'ok',
      value: [route('169.254.169.254/32', '10.77.0.1'), route('0.0.0.0/0', '10.77.0.1')],
    });
    assert.equal(o.has(249), false, '249 only when requested');
    assert.equal(decision.reply.serverIp, ip('10.77.0.1'), 'siaddr = server address, as dnsmasq');
  });

  it('a short request list still gets netmask, broadcast and forced MTU, nothing else unasked', () => {
    const decision = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', parameterRequestList: [3, 249] });
    assert.deepEqual([...decision.reply.options.keys()], [53, 54, 51, 58, 59, 3, 249, 1, 28, 26]);
  });

  it('no request list: every configured option is sent', () => {
    const decision = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', parameterRequestList: null });
    const keys = [...decision.reply.options.keys()];
    for (const code of [1, 28, 15, 12, 3, 6, 121, 249, 26]) assert.ok(keys.includes(code), `option ${code}`);
  });

  it('per-host tag options apply; multi-tag lines only when every tag matches', () => {
    const decision = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:06', parameterRequestList: [66, 67] });
    assert.equal(text(decision.reply.options.get(67)), 'pxelinux.0\0', 'NUL-terminated, as dnsmasq');
    assert.equal(decision.reply.options.has(66), false, 'tag:ipxe is not set');
    const other = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', parameterRequestList: [67] });
    assert.equal(other.reply.options.has(67), false);
  });

  it('option:router with no value suppresses the router; subnet options follow the subnet', () => {
    const decision = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:08' });
    assert.equal(decision.reply.options.has(3), false);
    assert.deepEqual(readOption(decision.reply.options, 6), { status: 'ok', value: [ip('10.78.0.53')] });
    assert.deepEqual(readOption(decision.reply.options, 54), { status: 'ok', value: ip('10.78.0.1') });
    assert.deepEqual(readOption(decision.reply.options, 51), { status: 'ok', value: 3600 });
  });

  it('infinite lease: 0xffffffff, no T1/T2', () => {
    const decision = reply({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:09', giaddr: '192.0.2.1' });
    assert.deepEqual(readOption(decision.reply.options, 51), { status: 'ok', value: 0xffffffff });
    assert.equal(decision.reply.options.has(58), false);
    assert.equal(decision.reply.options.has(59), false);
    assert.deepEqual(readOption(decision.reply.options, 3), { status: 'ok', value: [ip('192.0.2.1')] });
  });

  it('INFORM ACK has no lease fields', () => {
    const decision = reply({ type: 'INFORM', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.5' });
    for (const code of [51, 58, 59]) assert.equal(decision.reply.options.has(code), false);
    assert.equal(decision.reply.clientIp, ip('10.77.1.5'));
    assert.ok(decision.reply.options.has(3));
  });

  it('NAK carries only 53, 54, 56 (+ echoes); relayed NAK sets the broadcast bit', () => {
    const clientId = Uint8Array.of(1, 0xfa, 0x16, 0x3e, 0, 0, 5);
    const decision = reply({
      type: 'REQUEST',
      mac: 'fa:16:3e:00:00:05',
      requestedIp: '10.77.9.9',
      giaddr: '10.77.0.2',
      clientId,
    });
    assert.deepEqual([...decision.reply.options.keys()], [53, 54, 56, 61]);
    assert.equal(decision.reply.flags & 0x8000, 0x8000);
    assert.equal(decision.reply.serverIp, 0);
  });

  it('echoes client-id (RFC 6842) and relay agent info (RFC 3046) and passes option 57 on', () => {
    const clientId = Uint8Array.of(1, 0xfa, 0x16, 0x3e, 0, 0, 5);
    const relayInfo = Uint8Array.of(1, 3, 0x61, 0x62, 0x63);
    const decision = reply({
      type: 'DISCOVER',
      mac: 'fa:16:3e:00:00:05',
      giaddr: '10.77.0.2',
      clientId,
      relayAgentInfo: relayInfo,
      maxMessageSize: 1400,
    });
    assert.deepEqual(decision.reply.options.get(61), clientId);
    assert.deepEqual(decision.reply.options.get(82), relayInfo);
    assert.equal(decision.maxMessageSize, 1400);
  });

  it('trace looks like dnsmasq --log-dhcp', () => {
    const decision = handle({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05' }, true);
    const lines = decision.trace ?? [];
    assert.ok(lines.includes('DHCPDISCOVER(ns-test) fa:16:3e:00:00:05'), lines.join('\n'));
    assert.ok(lines.includes('tags: tag0, known, ns-test'), lines.join('\n'));
    assert.ok(lines.includes('sent size:  4 option: 54 server-identifier  10.77.0.1'), lines.join('\n'));
    assert.ok(lines.includes('sent size:  4 option: 51 lease-time  1d'), lines.join('\n'));
    assert.ok(lines.includes('sent size:  2 option: 26 mtu  1450'), lines.join('\n'));
    assert.equal(handle({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05' }).trace, undefined);
  });
});
