/**
 * The oslo.messaging envelope: bodies serialized by the real oslo.messaging (test/fixtures/oslo, provenance
 * inside) decode; what we encode decodes to what we meant; and no input makes the decoders throw (fuzz).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { repoRoot } from '../../test/support/fixtures.js';
import {
  adminContext,
  decodeReply,
  decodeRequest,
  encodeReply,
  encodeRequest,
  parseFailure,
} from './oslo-envelope.js';

const fixtures = JSON.parse(
  readFileSync(join(repoRoot(), 'test', 'fixtures', 'oslo', 'oslo-messages.json'), 'utf8'),
) as { cast: string; failureReply: string };

describe('oslo envelope: bodies oslo.messaging produced', () => {
  it('a cast of neutron-server (port_create_end with an admin context)', () => {
    const decoded = decodeRequest(Buffer.from(fixtures.cast));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    assert.equal(decoded.message.method, 'port_create_end');
    assert.equal(decoded.message.version, '1.0');
    assert.equal(decoded.message._msg_id, undefined, 'a cast has no _msg_id');
    const payload = decoded.message.args.payload as { port: { id: string } };
    assert.equal(payload.port.id, '5b0b0c57-9f7a-4f38-9d0b-9a1d2b6a3c11');
  });

  it("a failed call's reply: the remote exception's class and message", () => {
    const decoded = decodeReply(Buffer.from(fixtures.failureReply));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    assert.equal(decoded.message._msg_id, 'c0ffee00c0ffee00c0ffee00c0ffee00');
    assert.equal(decoded.message.ending, true);
    const failure = parseFailure(decoded.message.failure ?? '');
    assert.equal(failure.className, 'IpAddressGenerationFailure');
    assert.equal(failure.module, 'neutron_lib.exceptions');
    assert.match(failure.message, /No more IP addresses available/);
  });
});

describe('oslo envelope: what we send', () => {
  const cases = [
    {
      name: 'a call',
      reply: { msgId: 'ab'.repeat(16), replyQueue: `reply_${'cd'.repeat(16)}`, timeoutSeconds: 60 },
    },
    { name: 'a cast', reply: undefined },
  ] as const;
  for (const { name, reply } of cases) {
    it(`${name} decodes to the same method, args, version, reply address and context`, () => {
      const body = encodeRequest({
        method: 'get_network_info',
        args: { network_id: 'n1', host: 'h1' },
        version: '1.0',
        ...(reply !== undefined && { reply }),
      });
      const outer = JSON.parse(body.toString()) as Record<string, unknown>;
      assert.equal(outer['oslo.version'], '2.0');
      assert.equal(typeof outer['oslo.message'], 'string', 'the message travels as JSON text');
      const decoded = decodeRequest(body);
      assert.ok(decoded.ok);
      assert.equal(decoded.message.method, 'get_network_info');
      assert.deepEqual(decoded.message.args, { network_id: 'n1', host: 'h1' });
      assert.equal(decoded.message._msg_id, reply?.msgId);
      assert.equal(decoded.message._reply_q, reply?.replyQueue);
      assert.match(decoded.message._unique_id ?? '', /^[0-9a-f]{32}$/);
      const inner = JSON.parse(outer['oslo.message'] as string) as Record<string, unknown>;
      assert.equal(inner._context_is_admin, true);
      assert.match(String(inner._context_request_id), /^req-[0-9a-f-]{36}$/);
    });
  }

  it("the context's timestamp is oslo.context's format", () => {
    const context = adminContext(new Date('2026-12-04T03:05:00.901Z'));
    assert.equal(context._context_timestamp, '2026-12-04 03:05:00.901000');
  });

  it('a reply with and without a failure', () => {
    const ok = decodeReply(encodeReply('m1', { a: 1 }, null));
    assert.ok(ok.ok);
    assert.deepEqual(ok.message.result, { a: 1 });
    assert.equal(ok.message.failure, null);
    const failed = decodeReply(
      encodeReply('m2', null, {
        className: 'NetworkNotFound',
        module: 'neutron_lib.exceptions',
        message: 'gone',
      }),
    );
    assert.ok(failed.ok);
    assert.deepEqual(parseFailure(failed.message.failure ?? ''), {
      className: 'NetworkNotFound',
      module: 'neutron_lib.exceptions',
      message: 'gone',
    });
  });
});

describe('oslo envelope: invalid input is dropped with a reason', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['not JSON', 'body is not JSON'],
    ['{"oslo.version":"1.0","oslo.message":"{}"}', 'not an oslo.messaging 2.0 envelope'],
    ['{"oslo.version":"2.0","oslo.message":"{"}', 'oslo.message is not JSON'],
    ['{"oslo.version":"2.0","oslo.message":"{\\"args\\":{}}"}', 'not a request'],
    ['{"oslo.version":"2.0","oslo.message":"{\\"method\\":\\"x\\",\\"args\\":[]}"}', 'not a request'],
  ];
  for (const [body, reason] of cases) {
    it(`${body.slice(0, 40)} → ${reason}`, () => {
      const decoded = decodeRequest(Buffer.from(body));
      assert.equal(decoded.ok, false);
      assert.ok(!decoded.ok && decoded.reason.startsWith(reason), !decoded.ok ? decoded.reason : '');
    });
  }

  it('an unreadable failure text is kept as the message', () => {
    assert.deepEqual(parseFailure('Traceback…'), {
      className: 'RemoteError',
      module: '',
      message: 'Traceback…',
    });
  });
});

describe('oslo envelope: fuzz', () => {
  it('no bytes make the decoders throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const body = Buffer.from(bytes);
        decodeRequest(body);
        decodeReply(body);
      }),
      { numRuns: 2000 },
    );
  });

  it('no JSON value inside a valid envelope makes them throw, and valid requests survive', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const body = Buffer.from(
          JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(value) }),
        );
        const request = decodeRequest(body);
        const reply = decodeReply(body);
        if (request.ok) assert.equal(typeof request.message.method, 'string');
        if (reply.ok) assert.equal(typeof reply.message._msg_id, 'string');
      }),
      { numRuns: 2000 },
    );
  });

  it('any method and args round-trip', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue()),
        (method, args) => {
          const decoded = decodeRequest(encodeRequest({ method, args, version: '1.1' }));
          assert.ok(decoded.ok);
          assert.equal(decoded.message.method, method);
          // JSON text normalises -0 to 0, as Python's json does.
          assert.deepEqual(decoded.message.args, JSON.parse(JSON.stringify(args)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
