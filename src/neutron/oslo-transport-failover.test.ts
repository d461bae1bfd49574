/**
 * Failover between a `transport_url`'s hosts (oslo's round-robin): the transport gets a dead host first (a
 * closed port on 127.0.0.1) and the machine's RabbitMQ second (a vhost of its own, deleted afterwards). It
 * skips the dead one without backing off, and when the broker closes its connection it tries the next host
 * (the dead one), then the live one again, and asks for a resync.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../linux/run-command.js';
import { neutronAddresses } from './neutron-url.js';
import { OsloTransport } from './oslo-transport.js';

const VHOST = `qdhcp-failover-${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (rabbitmqctl)' : false;

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('oslo transport: failover between the hosts of transport_url', { skip }, () => {
  let transport: OsloTransport | undefined;
  let resyncs = 0;
  let dead = 0;
  /** `event url` of every connect outcome, in order. */
  const outcomes: string[] = [];
  const record = (fields: Record<string, unknown>) => {
    if (fields['event'] === 'neutron.connected' || fields['event'] === 'neutron.connect_failed')
      outcomes.push(`${String(fields['event'])} ${String(fields['url'])}`);
  };

  before(async () => {
    await runCommand('rabbitmqctl', ['-q', 'add_vhost', VHOST]);
    await runCommand('rabbitmqctl', ['-q', 'set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*']);
    dead = await deadPort();
  });

  after(async () => {
    await transport?.close();
    await runCommand('rabbitmqctl', ['-q', 'delete_vhost', VHOST]).catch(() => undefined);
  });

  it('the dead host is skipped at once; a lost connection fails over to the next host and back', async () => {
    const addresses = neutronAddresses(
      `rabbit://guest:guest@127.0.0.1:${dead},guest:guest@127.0.0.1:5672/${VHOST}`,
    );
    const [deadUrl, liveUrl] = addresses.map((address) => address.display);
    transport = new OsloTransport({
      addresses,
      exchange: 'neutron',
      topic: 'dhcp_agent',
      server: 'failover-host',
      logger: { info: record, warn: record, error: record },
      onCast: () => undefined,
      onReconnect: () => resyncs++,
      // A backoff this long would show: the failover to the next host must not wait for it.
      reconnectInitialMs: 20_000,
      reconnectMaxMs: 20_000,
    });
    const since = Date.now();
    await transport.start();
    assert.ok(Date.now() - since < 10_000, 'no backoff before trying the second host');
    assert.deepEqual(outcomes, [`neutron.connect_failed ${deadUrl}`, `neutron.connected ${liveUrl}`]);

    const listing = await runCommand('rabbitmqctl', [
      '-q',
      'list_connections',
      '-p',
      VHOST,
      'pid',
      'client_properties',
    ]);
    const ours = listing.stdout.split('\n').find((line) => line.includes('qdhcp-agent:failover-host'));
    assert.ok(ours, 'connected to the live broker');
    await runCommand('rabbitmqctl', ['-q', 'close_connection', ours.split('\t')[0] ?? '', 'failover test']);
    const deadline = Date.now() + 15_000;
    while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(resyncs, 1, 'reconnected and asked for a resync');
    assert.deepEqual(outcomes.slice(2), [
      `neutron.connect_failed ${deadUrl}`,
      `neutron.connected ${liveUrl}`,
    ]);
    assert.equal(transport.stats().reconnects, 1);
  });
});
