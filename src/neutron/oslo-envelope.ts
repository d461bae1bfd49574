/**
 * oslo.messaging's RabbitMQ message format, as neutron-server and its agents speak it (docs/neutron-agent.md).
 * Pure: bytes ⇄ typed messages, every received message checked against a TypeBox schema.
 *
 * On the wire every AMQP body is a JSON object `{"oslo.version": "2.0", "oslo.message": "<JSON text>"}`: the
 * envelope carries the real message as a string. Inside it:
 * - a request (call or cast): `method`, `args` (keyword arguments), `version` and `namespace` of the target,
 *   the caller's request context flattened into `_context_<key>` fields, `_unique_id` (duplicate detection);
 *   a call adds `_msg_id` (the reply's correlation id), `_reply_q` (the caller's reply queue) and `_timeout`
 *   (seconds the caller's call monitor waits, null when it has none);
 * - a reply: `result`, `failure` (null, or the JSON text of the remote exception: class, module, message,
 *   traceback), `ending` (true on the last reply of a call), `_msg_id`, `_unique_id`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** oslo.messaging's envelope version (`_RPC_ENVELOPE_VERSION`). */
export const OSLO_ENVELOPE_VERSION = '2.0';

const OsloEnvelope = Type.Object({
  'oslo.version': Type.Literal(OSLO_ENVELOPE_VERSION),
  'oslo.message': Type.String(),
});

const Hex32 = Type.String({ minLength: 1, maxLength: 255 });

/** A call or cast received from the server (notifications to the agent are casts). */
export const OsloRequest = Type.Object({
  method: Type.String({ minLength: 1, maxLength: 255 }),
  args: Type.Record(Type.String(), Type.Unknown()),
  version: Type.Optional(Type.String({ maxLength: 32 })),
  namespace: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  _msg_id: Type.Optional(Hex32),
  _reply_q: Type.Optional(Hex32),
  _unique_id: Type.Optional(Hex32),
  _timeout: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
});
export type OsloRequest = Static<typeof OsloRequest>;

/** A reply to one of our calls. */
export const OsloReply = Type.Object({
  result: Type.Optional(Type.Unknown()),
  failure: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ending: Type.Optional(Type.Boolean()),
  _msg_id: Hex32,
  _unique_id: Type.Optional(Hex32),
});
export type OsloReply = Static<typeof OsloReply>;

/** The remote exception of a failed call (oslo's `serialize_remote_exception`). */
const OsloFailure = Type.Object({
  class: Type.String(),
  module: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  tb: Type.Optional(Type.Unknown()),
  args: Type.Optional(Type.Unknown()),
  kwargs: Type.Optional(Type.Unknown()),
});

/** A failed call as the agent reads it: the exception's class (Neutron's name for the error) and message. */
export interface RemoteFailure {
  readonly className: string;
  readonly module: string;
  readonly message: string;
}

/** What a received body is: the schema says which, or why it is dropped. */
export type Decoded<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly reason: string };

/**
 * The request context a call carries (Neutron's admin context without a session, as its DHCP agent sends:
 * `neutron_lib.context.get_admin_context_without_session().to_dict()`), flattened to `_context_*` fields.
 */
export function adminContext(now: Date = new Date()): Record<string, unknown> {
  const context: Record<string, unknown> = {
    user: null,
    project_id: null,
    system_scope: null,
    project: null,
    domain: null,
    user_domain: null,
    project_domain: null,
    is_admin: true,
    read_only: false,
    show_deleted: false,
    auth_token: null,
    request_id: `req-${randomUUID()}`,
    global_request_id: null,
    resource_uuid: null,
    roles: [],
    user_identity: '- - - - -',
    is_admin_project: true,
    user_id: null,
    tenant_id: null,
    // oslo.context's format: "YYYY-MM-DD HH:MM:SS.ffffff" (UTC).
    timestamp: `${now.toISOString().replace('T', ' ').replace('Z', '')}000`,
    tenant_name: null,
    project_name: null,
    user_name: null,
  };
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [`_context_${key}`, value]));
}

/** oslo's `_unique_id`/`_msg_id`: a UUID4 as 32 hex digits. */
export function hexId(): string {
  return randomUUID().replaceAll('-', '');
}

/** What a call or cast sends. */
export interface OutgoingRequest {
  readonly method: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** The target's version (`1.1` for `get_active_networks_info` …). */
  readonly version: string;
  /** For a call: where and under which id the reply is expected, and the call's timeout in seconds. */
  readonly reply?: { readonly msgId: string; readonly replyQueue: string; readonly timeoutSeconds: number };
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Encodes a call (with `reply`) or a cast: the envelope's bytes. */
export function encodeRequest(request: OutgoingRequest): Buffer {
  const message: Record<string, unknown> = {
    method: request.method,
    args: request.args,
    version: request.version,
    ...(request.reply !== undefined && {
      _msg_id: request.reply.msgId,
      _reply_q: request.reply.replyQueue,
      // The caller's call-monitor timeout (null without one: the reply is awaited up to the RPC timeout).
      _timeout: null,
    }),
    _unique_id: hexId(),
    ...(request.context ?? adminContext()),
  };
  return wrap(message);
}

/**
 * Encodes a reply to a call we received (the agent answers none today; tests play the server with it).
 *
 * @internal
 */
export function encodeReply(msgId: string, result: unknown, failure: RemoteFailure | null): Buffer {
  const failureText =
    failure === null
      ? null
      : JSON.stringify({
          class: failure.className,
          module: failure.module,
          message: failure.message,
          tb: [],
          args: [failure.message],
          kwargs: {},
        });
  return wrap({
    result: result ?? null,
    failure: failureText,
    ending: true,
    _msg_id: msgId,
    _unique_id: hexId(),
  });
}

function wrap(message: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({ 'oslo.version': OSLO_ENVELOPE_VERSION, 'oslo.message': JSON.stringify(message) }),
    'utf8',
  );
}

/** Opens the envelope: the inner message as JSON, or why it cannot be read. */
function unwrap(body: Buffer): Decoded<unknown> {
  let outer: unknown;
  try {
    outer = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!Value.Check(OsloEnvelope, outer)) {
    const version = (outer as { 'oslo.version'?: unknown } | null)?.['oslo.version'];
    return {
      ok: false,
      reason: `not an oslo.messaging ${OSLO_ENVELOPE_VERSION} envelope (version ${JSON.stringify(version)})`,
    };
  }
  try {
    return { ok: true, message: JSON.parse(outer['oslo.message']) };
  } catch {
    return { ok: false, reason: 'oslo.message is not JSON' };
  }
}

function checked<T>(schema: Parameters<typeof Value.Check>[0], body: Buffer, what: string): Decoded<T> {
  const inner = unwrap(body);
  if (!inner.ok) return inner;
  if (Value.Check(schema, inner.message)) return { ok: true, message: inner.message as T };
  const first = Value.Errors(schema, inner.message).First();
  return { ok: false, reason: `not a ${what}: ${first?.path || '/'} ${first?.message ?? '?'}` };
}

/** Decodes a request (a notification cast to the agent). */
export function decodeRequest(body: Buffer): Decoded<OsloRequest> {
  return checked<OsloRequest>(OsloRequest, body, 'request');
}

/** Decodes a reply on our reply queue. */
export function decodeReply(body: Buffer): Decoded<OsloReply> {
  return checked<OsloReply>(OsloReply, body, 'reply');
}

/** The remote exception of a reply's `failure` text; unreadable text is kept as the message. */
export function parseFailure(text: string): RemoteFailure {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { className: 'RemoteError', module: '', message: text.slice(0, 500) };
  }
  if (!Value.Check(OsloFailure, value))
    return { className: 'RemoteError', module: '', message: text.slice(0, 500) };
  return { className: value.class, module: value.module ?? '', message: value.message ?? '' };
}
