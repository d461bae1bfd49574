import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
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

test("the script writes the lease's resolver to the namespace's resolv.conf, never to /etc", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "qdhcp-probe-script-it's-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const resolvConf = join(dir, 'resolv.conf');
  const script = probeScript(resolvConf);
  assert.ok(script.startsWith('#!/bin/sh\n'));
  assert.doesNotMatch(script, />\s*"?\/etc\//);
  await writeFile(join(dir, 'script.sh'), script, { mode: 0o755 });
  // A stand-in `ip` first on PATH: the script's address and route changes go nowhere.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'ip'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const run = (event: string, lease: Record<string, string>) =>
    promisify(execFile)('/bin/sh', [join(dir, 'script.sh'), event], {
      env: { PATH: `${bin}:/usr/bin:/bin`, interface: 'eth0', ...lease },
      timeout: 10_000,
    });
  const bound = await run('bound', {
    ip: '10.79.0.5',
    mask: '24',
    dns: '10.79.0.2 10.79.0.3',
    domain: 'openstacklocal',
  });
  assert.match(bound.stdout, /^event=bound\|interface=eth0\|ip=10\.79\.0\.5\|/);
  assert.equal(
    await readFile(resolvConf, 'utf8'),
    '# qdhcp probe: from the DHCP lease of 10.79.0.5\nsearch openstacklocal\nnameserver 10.79.0.2\nnameserver 10.79.0.3\n',
  );
  // A renewal without a domain and with one server replaces the file.
  await run('renew', { ip: '10.79.0.5', mask: '24', dns: '10.79.0.2' });
  assert.equal(
    await readFile(resolvConf, 'utf8'),
    '# qdhcp probe: from the DHCP lease of 10.79.0.5\nnameserver 10.79.0.2\n',
  );
  // Losing the lease leaves the last resolver (as an instance's network scripts do).
  await run('deconfig', {});
  assert.match(await readFile(resolvConf, 'utf8'), /nameserver 10\.79\.0\.2/);
});
