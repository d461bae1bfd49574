/**
 * The oslo transport on the machine's RabbitMQ (a vhost of its own, deleted afterwards), with this test
 * playing neutron-server's side with amqplib and the codec: replies, remote failures, timeouts, casts on
 * the host topic and the fan-out, invalid bodies, and a connection the broker closes (→ reconnect, resync).
 * Against the real neutron-server: test/e2e/neutron-control-plane.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import { isQdhcpError } from '../common/errors.js';
import { runCommand } from '../linux/run-command.js';
import { decodeRequest, encodeReply, encodeRequest, type OsloRequest } from './oslo-envelope.js';
import { OsloTransport, RemoteCallError } from './oslo-transport.js';

const VHOST = `qdhcp-oslo-${process.pid}`;
const URL_ = `amqp://guest:guest@127.0.0.1:5672/${VHOST}`;
const EXCHANGE = 'neutron';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const skip = process.getuid?.() !== 0 ? 'needs root (rabbitmqctl)' : false;

describe('oslo transport on RabbitMQ', { skip }, () => {
  let server: ChannelModel | undefined;
  let channel: Channel | undefined;
  let transport: OsloTransport | undefined;
  const casts: OsloRequest[] = [];
  let resyncs = 0;
  /** How the fake server answers each method. */
  const answers = new Map<string, (request: OsloRequest) => Buffer | undefined>();
  const received: OsloRequest[] = [];

  before(async () => {
    await runCommand('rabbitmqctl', ['-q', 'add_vhost', VHOST]);
    await runCommand('rabbitmqctl', ['-q', 'set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*']);
    server = await connect(URL_);
    channel = await server.createChannel();
    // neutron-server's declarations (oslo's defaults): the control exchange and its q-plugin queue.
    await channel.assertExchange(EXCHANGE, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue('q-plugin', { durable: false, autoDelete: false });
    await channel.bindQueue('q-plugin', EXCHANGE, 'q-plugin');
    await channel.consume('q-plugin', (message) => {
      if (message === null) return;
      channel?.ack(message);
      const decoded = decodeRequest(message.content);
      if (!decoded.ok) return;
      received.push(decoded.message);
      const reply = answers.get(decoded.message.method)?.(decoded.message);
      const { _reply_q } = decoded.message;
      if (reply !== undefined && _reply_q !== undefined) channel?.sendToQueue(_reply_q, reply);
    });
    transport = new OsloTransport({
      addresses: [{ connectUrl: URL_, display: URL_ }],
      exchange: EXCHANGE,
      topic: 'dhcp_agent',
      server: 'host-a',
      logger: quiet,
      onCast: (request) => casts.push(request),
      onReconnect: () => resyncs++,
      reconnectInitialMs: 100,
      reconnectMaxMs: 500,
    });
    await transport.start();
  });

  after(async () => {
    await transport?.close();
    await server?.close().catch(() => undefined);
    await runCommand('rabbitmqctl', ['-q', 'delete_vhost', VHOST]).catch(() => undefined);
  });

  it('a call: the request as oslo sends it, the reply by _msg_id', async () => {
    answers.set('get_network_info', (request) =>
      encodeReply(request._msg_id ?? '', { id: request.args.network_id }, null),
    );
    const result = await transport?.call(
      'q-plugin',
      'get_network_info',
      { network_id: 'n1', host: 'host-a' },
      '1.0',
      5000,
    );
    assert.deepEqual(result, { id: 'n1' });
    const request = received.at(-1);
    assert.equal(request?.version, '1.0');
    assert.match(request?._msg_id ?? '', /^[0-9a-f]{32}$/);
    assert.match(request?._reply_q ?? '', /^reply_[0-9a-f]{32}$/);
  });

  it("a failure: the remote exception's class travels as the error", async () => {
    answers.set('create_dhcp_port', (request) =>
      encodeReply(request._msg_id ?? '', null, {
        className: 'IpAddressGenerationFailure',
        module: 'neutron_lib.exceptions',
        message: 'No more IP addresses available on network n1.',
      }),
    );
    await assert.rejects(
      transport?.call('q-plugin', 'create_dhcp_port', {}, '1.1', 5000) ?? Promise.resolve(),
      (error) => {
        assert.ok(error instanceof RemoteCallError);
        assert.equal(error.failure.className, 'IpAddressGenerationFailure');
        assert.equal(error.code, 'NEUTRON_REMOTE_ERROR');
        return true;
      },
    );
  });

  it('no reply: BUS_REQUEST_TIMEOUT after the call timeout', async () => {
    answers.delete('release_dhcp_port');
    const started = Date.now();
    await assert.rejects(
      transport?.call('q-plugin', 'release_dhcp_port', {}, '1.0', 400) ?? Promise.resolve(),
      (error) => isQdhcpError(error, 'BUS_REQUEST_TIMEOUT'),
    );
    assert.ok(Date.now() - started < 3000);
  });

  it('a call to a topic no queue is bound to fails at once (returned by RabbitMQ), not after its timeout', async () => {
    const started = Date.now();
    await assert.rejects(
      transport?.call('q-nobody-listens', 'report_state', {}, '1.2', 30_000) ?? Promise.resolve(),
      (error) => isQdhcpError(error, 'BUS_REQUEST_FAILED') && /unroutable/.test(String(error)),
    );
    assert.ok(Date.now() - started < 5000, `failed after ${Date.now() - started} ms`);
  });

  it('casts on dhcp_agent.<host> and on the fan-out arrive; invalid bodies are counted and dropped', async () => {
    const before = transport?.stats().messagesInvalid ?? 0;
    const cast = (method: string) => encodeRequest({ method, args: { payload: {} }, version: '1.0' });
    channel?.publish(EXCHANGE, 'dhcp_agent.host-a', cast('port_create_end'));
    channel?.publish('dhcp_agent_fanout', '', cast('network_delete_end'));
    channel?.publish(EXCHANGE, 'dhcp_agent.host-a', Buffer.from('{"not": "oslo"}'));
    channel?.publish(EXCHANGE, 'dhcp_agent.host-b', cast('for_another_host'));
    const deadline = Date.now() + 5000;
    while (casts.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(casts.map((c) => c.method).sort(), ['network_delete_end', 'port_create_end']);
    assert.equal((transport?.stats().messagesInvalid ?? 0) - before, 1);
  });

  it('a connection the broker closes: calls fail fast meanwhile, then reconnect and resync', async () => {
    const listing = await runCommand('rabbitmqctl', [
      '-q',
      'list_connections',
      '-p',
      VHOST,
      'pid',
      'client_properties',
    ]);
    const ours = listing.stdout.split('\n').find((line) => line.includes('qdhcp-agent:host-a'));
    assert.ok(ours, 'the transport names its connection');
    await runCommand('rabbitmqctl', ['-q', 'close_connection', ours.split('\t')[0] ?? '', 'test']);
    const deadline = Date.now() + 10_000;
    while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(resyncs, 1);
    answers.set('dhcp_ready_on_ports', (request) => encodeReply(request._msg_id ?? '', null, null));
    assert.equal(
      await transport?.call('q-plugin', 'dhcp_ready_on_ports', { port_ids: [] }, '1.5', 5000),
      null,
    );
    assert.equal(transport?.stats().reconnects, 1);
  });
});
