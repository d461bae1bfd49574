import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  currentLease,
  formatLease,
  formatStaticRoutes,
  parseLeaseEvents,
  probeScript,
} from './lease-report.js';

const LOG = `udhcpc: started, v1.36.1
event=deconfig|interface=eth0|ip=|mask=|subnet=|router=|dns=|domain=|hostname=|mtu=|lease=|serverid=|staticroutes=
udhcpc: broadcasting discover
event=bound|interface=eth0|ip=10.79.0.5|mask=24|subnet=255.255.255.0|router=10.79.0.1|dns=192.0.2.53|domain=openstacklocal|hostname=host-10-79-0-5|mtu=1450|lease=86400|serverid=10.79.0.2|staticroutes=169.254.169.254/32 10.79.0.2 0.0.0.0/0 10.79.0.1
`;

test('parses the script lines and keeps the latest lease', () => {
  const events = parseLeaseEvents(LOG);
  assert.deepEqual(
    events.map((event) => event['event']),
    ['deconfig', 'bound'],
  );
  assert.equal(currentLease(events)?.['ip'], '10.79.0.5');
  assert.equal(currentLease([...events, { event: 'nak' }]), undefined, 'a NAK takes the lease away');
  assert.equal(currentLease([...events, { event: 'renew', ip: '10.79.0.5' }])?.['event'], 'renew');
});

test('formats like a console log, routes as dest via gw', () => {
  assert.deepEqual(formatStaticRoutes('169.254.169.254/32 10.79.0.2 0.0.0.0/0 10.79.0.1'), [
    '169.254.169.254/32 via 10.79.0.2',
    '0.0.0.0/0 via 10.79.0.1',
  ]);
  const text = formatLease('p1', currentLease(parseLeaseEvents(LOG))!);
  assert.match(text, /^probe p1: bound 10\.79\.0\.5\/24 on eth0 from server 10\.79\.0\.2$/m);
  assert.match(text, /^ {2}hostname {2}host-10-79-0-5$/m);
  assert.match(
    text,
    /^ {2}routes {4}169\.254\.169\.254\/32 via 10\.79\.0\.2, 0\.0\.0\.0\/0 via 10\.79\.0\.1$/m,
  );
});

test('the script only touches the interface it is given (no resolv.conf)', () => {
  const script = probeScript();
  assert.ok(script.startsWith('#!/bin/sh\n'));
  assert.doesNotMatch(script, /resolv\.conf\s*$/m);
  assert.doesNotMatch(script, />\s*\/etc\//);
});
