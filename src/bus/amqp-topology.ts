/**
 * The AMQP names of the bus (docs/bus.md), derived from one prefix — oslo.messaging's
 * `control_exchange` — so several deployments (or test runs) share a broker without meeting:
 *
 * - `<prefix>.events`: direct exchange for events; routing key `host.<host>` (addressed to one agent host)
 *   or `fanout` (every agent);
 * - `<prefix>.rpc`: the servers' request queue, consumed by every server (competing consumers);
 * - `<prefix>.agent.<host>.<instance>`: one exclusive queue per agent process, bound to its host's key
 *   and `fanout`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';

/** The prefix when the URL names none. */
export const DEFAULT_PREFIX = 'qdhcp';

/** What a `transport_url` of the AMQP bus says. */
export interface AmqpAddress {
  /** What amqplib connects to (our own query parameters removed). */
  readonly connectUrl: string;
  /** The URL with its password hidden, for logs and errors. */
  readonly display: string;
  readonly prefix: string;
}

/**
 * Parses `amqp://user:pass@host:port/vhost?exchange=PREFIX&heartbeat=S`. `exchange` is ours (default
 * `qdhcp`); every other parameter goes to amqplib, with a 10 s heartbeat unless one is given (a broker
 * that vanishes without closing the socket is noticed within two heartbeats).
 */
export function parseAmqpUrl(url: string): AmqpAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `"${url}" is not a URL (amqp://user:password@host:port/vhost)`,
    });
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:')
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `"${parsed.protocol}" is not an AMQP URL scheme (amqp:// or amqps://)`,
    });
  const prefix = parsed.searchParams.get('exchange') ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(prefix))
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `exchange "${prefix}" must be 1-100 letters, digits, '_', '.' or '-'`,
    });
  parsed.searchParams.delete('exchange');
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', '10');
  const display = new URL(parsed.href);
  if (display.password !== '') display.password = '***';
  return { connectUrl: parsed.href, display: display.href, prefix };
}

/** The exchange and queue names of one prefix. */
export interface AmqpNames {
  readonly eventsExchange: string;
  readonly rpcQueue: string;
  readonly fanoutKey: string;
  hostKey(host: string): string;
  agentQueue(host: string, instance: string): string;
}

/** AMQP names are at most 255 bytes; a host name may be 255 characters: long ones are hashed. */
function shortHost(host: string): string {
  return Buffer.byteLength(host) <= 120 ? host : createHash('sha256').update(host).digest('hex');
}

export function amqpNames(prefix: string): AmqpNames {
  return {
    eventsExchange: `${prefix}.events`,
    rpcQueue: `${prefix}.rpc`,
    fanoutKey: 'fanout',
    hostKey: (host) => `host.${shortHost(host)}`,
    agentQueue: (host, instance) => `${prefix}.agent.${shortHost(host)}.${instance}`,
  };
}
