import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { isQdhcpError } from '../common/errors.js';
import { decodeMessage, encodeMessage, formatIpv4 } from '../dhcp/index.js';
import { NEUTRON_CLIENT_MATCHES } from '../dhcp-server/client-match.js';
import { RateLimiter } from '../dhcp-server/counters.js';
import { loadHostsSync } from '../dhcp-server/dnsmasq/hosts-loader.js';
import type { ReplyDestination } from '../dhcp-server/reply-destination.js';
import { DHCP_SOCKET_HOLD_MS } from '../dhcp-server/socket-hold.js';
import { buildRequest } from '../dhcp-server/testing/requests.js';
import { DhcpService } from './dhcp-service.js';
import { loadTables } from './load-tables.js';
import { engineConfig, resolveServeSettings } from './serve-options.js';

const dir = mkdtempSync(join(tmpdir(), 'qdhcp-serve-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('serve command line (dnsmasq subset)', () => {
  it('takes the line Neutron writes (spec §5.2) and the bench line', () => {
    const settings = resolveServeSettings({
      interface: 'ns-1',
      dhcpRange: [
        'set:subnet-3a57,10.60.0.0,static,255.255.255.0,86400s',
        'set:subnet-6,2001:db8::,static,64,86400s',
      ],
      dhcpHostsfile: '/x/host',
      dhcpOptsfile: '/x/opts',
      dhcpOptionForce: ['option:mtu,1500'],
      dhcpLeaseMax: '256',
      domain: 'openstacklocal',
      port: '0',
      dhcpMatch: ['set:ipxe,175'],
      dhcpUserclass: ['set:ipxe6,iPXE'],
    });
    assert.deepEqual(settings.clientMatches, NEUTRON_CLIENT_MATCHES);
    assert.equal(settings.ranges.length, 1);
    assert.equal(settings.ipv6RangesSkipped, 1);
    assert.equal(settings.commandLineOptions[0]?.force, true);
    assert.equal(settings.dnsPort, 0);
    assert.equal(settings.leaseMax, 256);
    assert.equal(settings.dhcpHoldMs, DHCP_SOCKET_HOLD_MS);
  });

  it('--dhcp-hold sets the hold of busy sockets; 0 turns it off', () => {
    const line = { interface: 'x', dhcpRange: ['10.0.0.0,static'] };
    assert.equal(resolveServeSettings({ ...line, dhcpHold: '0' }).dhcpHoldMs, 0);
    assert.equal(resolveServeSettings({ ...line, dhcpHold: '10' }).dhcpHoldMs, 10);
  });

  const bad: [string, Record<string, unknown>][] = [
    ['no interface', { dhcpRange: ['10.0.0.0,static'] }],
    ['no range', { interface: 'x' }],
    ['dynamic range', { interface: 'x', dhcpRange: ['10.0.0.10,10.0.0.20,1h'] }],
    ['bad option', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpOption: ['option:mtu,huge'] }],
    ['bad lease max', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpLeaseMax: '-1' }],
    ['hold too long', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpHold: '1001' }],
    ['hold not a number', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpHold: '2ms' }],
    ['match without set:', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpMatch: ['175'] }],
    ['match on a value', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpMatch: ['set:a,60,PXE'] }],
    ['match unknown option', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpMatch: ['set:a,x'] }],
    ['empty user class', { interface: 'x', dhcpRange: ['10.0.0.0,static'], dhcpUserclass: ['set:a,'] }],
  ];
  for (const [name, raw] of bad) {
    it(`rejects: ${name}`, () =>
      assert.throws(
        () => resolveServeSettings(raw),
        (error: unknown) => isQdhcpError(error, 'SERVE_CONFIG_INVALID'),
      ));
  }
});

describe('DhcpService (decode → engine → encode → send, counters, reload)', () => {
  const hostsPath = join(dir, 'hosts');
  const optsPath = join(dir, 'opts');
  writeFileSync(hostsPath, 'fa:16:3e:00:00:05,host-10-77-1-5.openstacklocal,10.77.1.5\nbad line here\n');
  writeFileSync(optsPath, 'tag:tag0,option:router,10.77.0.1\n');
  const settings = resolveServeSettings({
    interface: 'br0',
    dhcpRange: ['set:tag0,10.77.0.0,static,255.255.0.0,86400s'],
    dhcpHostsfile: hostsPath,
    dhcpOptsfile: optsPath,
    quietDhcp: true,
  });
  const config = engineConfig(settings, [{ address: '10.77.0.1', prefixLength: 16 }]);

  async function makeService() {
    const { tables, report } = await loadTables(
      settings.hostsFile,
      settings.optsFile,
      settings.commandLineOptions,
    );
    const sent: { bytes: Uint8Array; destination: ReplyDestination; source: number }[] = [];
    const { logger, lines } = captureLogger();
    let now = 0;
    const service = new DhcpService(
      settings,
      config,
      tables,
      logger,
      (bytes, destination, source) => sent.push({ bytes, destination, source }),
      () => now,
    );
    return { service, sent, lines, report, advance: (ms: number) => (now += ms) };
  }
  const packet = (mac: string) => encodeMessage(buildRequest({ type: 'DISCOVER', mac }));

  it('answers a known host, from the server-id address, and counts', async () => {
    const { service, sent, report } = await makeService();
    assert.equal(report.hostErrors.length, 1);
    service.handlePacket(packet('fa:16:3e:00:00:05'), { address: '0.0.0.0', port: 68 });
    assert.equal(sent.length, 1);
    assert.equal(formatIpv4(sent[0]?.source ?? 0), '10.77.0.1');
    assert.equal(formatIpv4(decodeMessage(sent[0]?.bytes ?? new Uint8Array()).yourIp), '10.77.1.5');
    assert.deepEqual(service.counters.snapshot(), { 'received.DISCOVER': 1, 'sent.OFFER': 1 });
  });

  it('garbage and unknown MACs: counted, logged once per interval, never thrown', async () => {
    const { service, sent, lines, advance } = await makeService();
    for (let i = 0; i < 5; i++)
      service.handlePacket(Buffer.from('not dhcp at all'), { address: '10.77.0.9', port: 68 });
    for (let i = 0; i < 5; i++)
      service.handlePacket(packet('02:00:00:00:00:01'), { address: '0.0.0.0', port: 68 });
    advance(61_000);
    service.handlePacket(packet('02:00:00:00:00:01'), { address: '0.0.0.0', port: 68 });
    assert.equal(sent.length, 0);
    assert.equal(service.counters.get('dropped.decode-error'), 5);
    assert.equal(service.counters.get('dropped.unknown-client'), 6);
    assert.equal(lines.filter((l) => l['event'] === 'dhcp.decode_error').length, 1);
    const unknown = lines.filter((l) => l['event'] === 'dhcp.drop.unknown-client');
    assert.deepEqual(
      unknown.map((l) => l['suppressed']),
      [0, 4],
    );
  });

  it('reload swaps tables; an unreadable file keeps the old ones', async () => {
    const { service, sent } = await makeService();
    const before = service.currentTables;
    writeFileSync(hostsPath, 'fa:16:3e:00:00:06,host-10-77-1-6,10.77.1.6\n');
    await service.reload();
    assert.notEqual(service.currentTables, before);
    service.handlePacket(packet('fa:16:3e:00:00:06'), { address: '0.0.0.0', port: 68 });
    assert.equal(sent.length, 1);
    const good = service.currentTables;
    rmSync(hostsPath);
    await service.reload();
    assert.equal(service.currentTables, good);
    assert.equal(service.counters.get('reloads.failed'), 1);
    writeFileSync(hostsPath, 'only garbage\n');
    await service.reload();
    assert.equal(service.currentTables, good, 'a file with no usable line is refused');
  });
});

describe('streamed hosts file (chunks of 256 KiB)', () => {
  it('lines across chunk boundaries load exactly like the in-memory loader', async () => {
    const lines: string[] = [];
    for (let r = 0; r < 20000; r++) {
      const hex = r.toString(16).padStart(6, '0');
      const mac = `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
      const tail = r % 7 === 0 ? `,set:port-${r}` : '';
      lines.push(`${mac},host-${r}.openstacklocal,10.${(r >> 16) & 255}.${(r >> 8) & 255}.${r & 255}${tail}`);
    }
    const text = lines.join('\r\n'); // CRLF and no final newline
    const path = join(dir, 'hosts-20k');
    writeFileSync(path, text);
    const { tables, report } = await loadTables(path, undefined, []);
    const reference = loadHostsSync(Buffer.from(text));
    assert.deepEqual(report.hosts, reference.table.stats);
    assert.equal(report.hosts.entries, 20000);
    for (let r = 0; r < 20000; r += 1) {
      const hex = r.toString(16).padStart(6, '0');
      const mac = `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
      const entry = tables.hosts.find(mac, undefined, () => true).entry;
      if (entry?.name !== `host-${r}.openstacklocal` || entry.tags.length !== (r % 7 === 0 ? 1 : 0)) {
        assert.fail(`host ${r}: ${JSON.stringify(entry)}`);
      }
    }
  });
});

describe('bad packets never crash the service (property)', () => {
  it('random bytes and mutated real requests: counted or answered, never thrown', async () => {
    const settings = resolveServeSettings({
      interface: 'br0',
      dhcpRange: ['set:tag0,10.77.0.0,static,255.255.0.0,1h'],
    });
    const config = engineConfig(settings, [{ address: '10.77.0.1', prefixLength: 16 }]);
    const { tables } = await loadTables(undefined, undefined, []);
    const { logger } = captureLogger();
    const service = new DhcpService(settings, config, tables, logger, () => undefined);
    const seed = encodeMessage(
      buildRequest({ type: 'REQUEST', mac: 'fa:16:3e:00:00:05', ciaddr: '10.77.1.5', giaddr: '10.77.0.2' }),
    );
    const mutated = fc
      .array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
      .map((edits) => {
        const bytes = Buffer.from(seed);
        for (const [at, value] of edits) bytes[at] = value;
        return bytes;
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          mutated,
        ),
        (bytes) => {
          service.handlePacket(bytes, { address: '10.77.0.9', port: 68 });
        },
      ),
      { numRuns: 3000 },
    );
    assert.ok(service.counters.get('dropped.decode-error') > 0);
  });
});

describe('RateLimiter', () => {
  it('one event per key per interval, counting the rest', () => {
    const limiter = new RateLimiter(1000);
    assert.equal(limiter.allow('a', 0), true);
    assert.equal(limiter.allow('a', 500), false);
    assert.equal(limiter.allow('b', 500), true);
    assert.equal(limiter.takeSuppressed('a'), 1);
    assert.equal(limiter.allow('a', 1000), true);
  });
});
