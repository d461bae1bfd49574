/**
 * oslo.messaging's `transport_url` (`rabbit://user:pass@host:port/vhost`) as amqplib's URL.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';

/** What amqplib connects to, and the URL with its password hidden (logs, errors). */
export interface NeutronAddress {
  readonly connectUrl: string;
  readonly display: string;
}

/**
 * Reads `rabbit://` (also `amqp://`) URLs with one host. oslo's empty virtual host means RabbitMQ's
 * default `/` (amqplib would send an empty name). Several hosts (`rabbit://a:5672,b:5672/`) are refused:
 * give one, or a load balancer in front of the cluster.
 */
export function neutronConnectUrl(transportUrl: string): NeutronAddress {
  const match = /^(rabbit|amqps?):\/\/(.*)$/.exec(transportUrl);
  if (match === null)
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `"${transportUrl}" is not a rabbit:// transport_url`,
    });
  const rest = match[2] ?? '';
  const authority = rest.split('/')[0] ?? '';
  if (authority.includes(','))
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: 'transport_url names several RabbitMQ hosts; qdhcp connects to one',
    });
  let parsed: URL;
  try {
    parsed = new URL(`${match[1] === 'amqps' ? 'amqps' : 'amqp'}://${rest}`);
  } catch {
    throw new QdhcpError('BUS_URL_INVALID', { reason: `"${transportUrl}" is not a URL` });
  }
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/%2F';
  // oslo's own query parameters (ssl options, heartbeat settings) are not amqplib's.
  parsed.search = '';
  parsed.searchParams.set('heartbeat', '10');
  const display = new URL(parsed.href);
  if (display.password !== '') display.password = '***';
  return { connectUrl: parsed.href, display: display.href };
}
