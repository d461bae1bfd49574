import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizePing } from './ping-probe.js';

const reply = (time: string, seq: number, extra = ''): string =>
  `[${time}] 64 bytes from 172.24.4.1: icmp_seq=${seq} ttl=63 time=0.1 ms${extra}`;

test('summarizePing counts losses before the last answer and the longest time between answers', () => {
  const output = [
    'PING 172.24.4.1 (172.24.4.1) 56(84) bytes of data.',
    reply('1000.000000', 1),
    reply('1000.100000', 2),
    reply('1000.100300', 2, ' (DUP!)'),
    // 3 and 4 unanswered
    reply('1000.400000', 5),
    reply('1000.500000', 6),
    '',
    '--- 172.24.4.1 ping statistics ---',
    '7 packets transmitted, 4 received, 42.8571% packet loss, time 600ms',
  ].join('\n');
  assert.deepEqual(summarizePing(output), { sent: 6, answered: 4, lost: 2, longestGapMs: 300 });
});

test('summarizePing of a ping that was never answered', () => {
  assert.deepEqual(summarizePing('PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n'), {
    sent: 0,
    answered: 0,
    lost: 0,
    longestGapMs: 0,
  });
});
