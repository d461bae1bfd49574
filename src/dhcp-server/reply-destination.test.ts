import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIpv4, requireIpv4 } from '../common/ipv4.js';
import type { MessageTypeName } from '../dhcp/types.js';
import { replyDestination } from './reply-destination.js';
import { buildRequest } from './testing/requests.js';
import { formatDuration } from './trace.js';

describe('reply destination (RFC 2131 §4.1, in order)', () => {
  const mac = 'fa:16:3e:00:00:05';
  const cases: {
    name: string;
    giaddr?: string;
    ciaddr?: string;
    broadcast?: boolean;
    reply: MessageTypeName;
    yourIp: string;
    expected: string;
  }[] = [
    {
      name: 'giaddr wins over everything',
      giaddr: '10.77.0.2',
      ciaddr: '10.77.1.5',
      broadcast: true,
      reply: 'NAK',
      yourIp: '0.0.0.0',
      expected: 'relay 10.77.0.2:67',
    },
    {
      name: 'NAK is broadcast even with ciaddr',
      ciaddr: '10.77.1.5',
      reply: 'NAK',
      yourIp: '0.0.0.0',
      expected: 'broadcast 68',
    },
    {
      name: 'ciaddr → unicast to it',
      ciaddr: '10.77.1.5',
      broadcast: true,
      reply: 'ACK',
      yourIp: '10.77.1.5',
      expected: 'unicast 10.77.1.5:68',
    },
    {
      name: 'broadcast flag → broadcast',
      broadcast: true,
      reply: 'OFFER',
      yourIp: '10.77.1.5',
      expected: 'broadcast 68',
    },
    {
      name: 'otherwise yiaddr at chaddr',
      reply: 'OFFER',
      yourIp: '10.77.1.5',
      expected: `unicast-to-hardware 10.77.1.5 ${mac}:68`,
    },
    {
      name: 'no yiaddr and no ciaddr → broadcast',
      reply: 'ACK',
      yourIp: '0.0.0.0',
      expected: 'broadcast 68',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const request = buildRequest({
        type: 'REQUEST',
        mac,
        giaddr: c.giaddr,
        ciaddr: c.ciaddr,
        broadcast: c.broadcast,
      });
      const d = replyDestination(request, c.reply, requireIpv4(c.yourIp), mac);
      const text =
        d.kind === 'broadcast'
          ? `broadcast ${d.port}`
          : d.kind === 'unicast-to-hardware'
            ? `${d.kind} ${formatIpv4(d.address)} ${d.hardwareAddress}:${d.port}`
            : `${d.kind} ${formatIpv4(d.address)}:${d.port}`;
      assert.equal(text, c.expected);
    });
  }
});

describe('trace durations (dnsmasq style)', () => {
  const cases: [number, string][] = [
    [86400, '1d'],
    [43200, '12h'],
    [75600, '21h'],
    [5400, '1h30m'],
    [45, '45s'],
    [0, '0s'],
    [0xffffffff, 'infinite'],
  ];
  for (const [seconds, text] of cases)
    it(`${seconds} → ${text}`, () => assert.equal(formatDuration(seconds), text));
});
