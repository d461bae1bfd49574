/**
 * The socket handover protocol between a running agent and its successor (docs/agent.md "Restart and
 * upgrade without a gap"). JSON messages, one per line, on the running agent's handover socket
 * (`handover.sock` in its state dir); the descriptors travel on the successor's datagram channel, each
 * message there a {@link SocketsChunk} whose `sockets[i]` describes the i-th descriptor it carries.
 *
 *   successor                              running agent
 *   hello {channelPath}            ──▶
 *                                  ◀──     offer {sockets, chunks, networks}   (or refused {reason})
 *   send {chunk: k}                ──▶     (chunk k on the channel: fds + sockets chunk)
 *                                  ◀──     sent {chunk: k}
 *   … every chunk; the successor adopts the fds and serves on them, its state loaded …
 *   took-over                      ──▶     stops reading, closes its copies (namespaces and devices stay)
 *                                  ◀──     released                            then exits
 *
 * Compatibility between builds: every message carries `formatVersion` (this build writes
 * {@link FORMAT_VERSION}); a reader accepts any version ≥ 1 and ignores fields it does not know, so a
 * newer build only adds optional fields and an older one keeps working. History:
 * - 1 (initial): the messages above.
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { QdhcpError } from '../../common/errors.js';

/** The format this build writes. */
export const FORMAT_VERSION = 1;

/** Longest line read (a successor with a broken writer must not grow the old agent's memory). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const Version = Type.Integer({ minimum: 1 });
const Count = Type.Integer({ minimum: 0 });

export const Hello = Type.Object({
  formatVersion: Version,
  type: Type.Literal('hello'),
  pid: Count,
  /** The successor's descriptor channel (src/linux/fd-passing.ts). */
  channelPath: Type.String({ minLength: 1, maxLength: 107 }),
});

export const Offer = Type.Object({
  formatVersion: Version,
  type: Type.Literal('offer'),
  pid: Count,
  sockets: Count,
  chunks: Count,
  /** The networks the running agent serves: the successor serves them all before it takes over. */
  networks: Type.Array(Type.String()),
});

export const Refused = Type.Object({
  formatVersion: Version,
  type: Type.Literal('refused'),
  reason: Type.String(),
});

export const Send = Type.Object({ formatVersion: Version, type: Type.Literal('send'), chunk: Count });
export const Sent = Type.Object({ formatVersion: Version, type: Type.Literal('sent'), chunk: Count });
export const TookOver = Type.Object({ formatVersion: Version, type: Type.Literal('took-over'), pid: Count });
export const Released = Type.Object({ formatVersion: Version, type: Type.Literal('released') });

/** One socket's identity (src/linux/listening-sockets.ts `ListeningSocketSpec`). */
export const SocketSpec = Type.Object({
  namespace: Type.String({ minLength: 1 }),
  kind: Type.Union([Type.Literal('udp4'), Type.Literal('tcp4'), Type.Literal('udp6'), Type.Literal('tcp6')]),
  address: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  device: Type.Optional(Type.String()),
  broadcast: Type.Optional(Type.Boolean()),
  freeBind: Type.Optional(Type.Boolean()),
  /** udp6 (DHCPv6): the multicast group joined on `device`; kept by the socket across the handover. */
  joinGroup: Type.Optional(Type.String()),
});

/** The payload of a channel message: `sockets[i]` is what its i-th descriptor is. */
export const SocketsChunk = Type.Object({
  formatVersion: Version,
  type: Type.Literal('sockets'),
  chunk: Count,
  sockets: Type.Array(SocketSpec),
});

export type Hello = Static<typeof Hello>;
export type Offer = Static<typeof Offer>;
export type Refused = Static<typeof Refused>;
export type Send = Static<typeof Send>;
export type Sent = Static<typeof Sent>;
export type TookOver = Static<typeof TookOver>;
export type Released = Static<typeof Released>;
export type SocketsChunk = Static<typeof SocketsChunk>;

/** Every message of the protocol, by its `type`. */
const SCHEMAS = {
  hello: Hello,
  offer: Offer,
  refused: Refused,
  send: Send,
  sent: Sent,
  'took-over': TookOver,
  released: Released,
  sockets: SocketsChunk,
} satisfies Record<string, TSchema>;

export type HandoverMessage = Hello | Offer | Refused | Send | Sent | TookOver | Released | SocketsChunk;
type MessageType = keyof typeof SCHEMAS;

function invalid(reason: string): QdhcpError {
  return new QdhcpError('HANDOVER_MESSAGE_INVALID', { reason });
}

/**
 * One message from its JSON text, validated against its type's schema; unknown fields are dropped (a newer
 * build's additions). Throws `HANDOVER_MESSAGE_INVALID` for anything else (never another error).
 */
export function parseHandoverMessage(text: string | Buffer): HandoverMessage {
  if (text.length > MAX_MESSAGE_BYTES) throw invalid(`longer than ${MAX_MESSAGE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text.toString());
  } catch {
    throw invalid('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not an object');
  const type = (value as { type?: unknown }).type;
  // Not String(type): a parsed object may carry its own `toString` (the fuzz test found one).
  if (typeof type !== 'string')
    throw invalid(`type is ${type === null ? 'null' : typeof type}, not a string`);
  if (!Object.hasOwn(SCHEMAS, type)) throw invalid(`unknown type ${type}`);
  const schema = SCHEMAS[type as MessageType];
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw invalid(`${type}: ${first === undefined ? 'does not match' : `${first.path} ${first.message}`}`);
  }
  return Value.Clean(schema, structuredClone(value)) as HandoverMessage;
}

/** Builds a message of this build's format: `{ type, ...fields }` plus `formatVersion`. */
export function handoverMessage<M extends HandoverMessage>(message: Omit<M, 'formatVersion'>): M {
  return { formatVersion: FORMAT_VERSION, ...message } as M;
}

/** A message as the one line it is sent as. */
export function encodeHandoverMessage(message: HandoverMessage): string {
  return `${JSON.stringify(message)}\n`;
}
